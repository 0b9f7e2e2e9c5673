"""Why an evaluation did not produce a recommendation.

RulesError
 ├── ProfileError            the profile cannot be evaluated as given (names the field)
 │    └── UnconvertibleDoseError   a compound dose of a form with no elemental fraction
 └── EvaluationError         the engine or a rule failed: fail closed, never "no findings"
"""


class RulesError(Exception):
    """Base of every error the knowledge base raises."""


class ProfileError(RulesError):
    """The profile cannot be evaluated as given."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class UnconvertibleDoseError(ProfileError):
    """A compound-weight dose of a form whose elemental fraction is not in the table."""


class EvaluationError(RulesError):
    """The engine or a rule failed; the evaluation has no valid result."""
