"""Population screening: the knowledge base over a FHIR Bulk Data export (issue 15).

    magnesium-cds screen EXPORT --out DIR [--engine local|spark]

Every patient in the export is mapped by the CDS Hooks FHIR mapping (`cds_mapping`, the one
module that touches it) and evaluated by the same knowledge base as the service. Modules:

    bulk.py         the export's files and lines; whose record each line is
    cds_mapping.py  a patient's resources → the CDS Hooks prefetch → the mapped profile
    evaluate.py     one patient → one result row (or the reason it was not evaluated)
    results.py      the output files, their columns, the summary's counts
    local.py        the local engine: hash partitions on disk, a process pool
    spark.py        the Spark engine: the same functions in Spark executors
    screen.py       options, the engine chosen, outputs replaced only when complete
"""

from service.screening.screen import ScreenOptions, screen

__all__ = ["ScreenOptions", "screen"]
