"""service/schemas/compiled.py: the compiled dump is marshmallow's dump, only faster."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given
from marshmallow import Schema, fields

from rules import evaluate
from service.schemas import RecommendationSchema, dump_recommendation
from service.schemas.compiled import compile_dump
from tests.rules.test_properties import SETTINGS, load, profiles

SCHEMA = RecommendationSchema()


@SETTINGS
@given(body=profiles())
def test_every_recommendation_dumps_exactly_as_the_schema_does(body):
    rec = evaluate(load(body))
    compiled = dump_recommendation(rec)
    assert compiled == SCHEMA.dump(rec)
    # Same types too (1 == 1.0 in Python, not in a client's JSON).
    assert json.dumps(compiled, sort_keys=True) == json.dumps(SCHEMA.dump(rec), sort_keys=True)


@dataclasses.dataclass
class Item:
    name: object
    count: object
    ratio: object
    flag: object
    extra: object
    tags: object


class ItemSchema(Schema):
    name = fields.String()
    count = fields.Integer()
    ratio = fields.Float(allow_none=True)
    flag = fields.Boolean()
    extra = fields.Dict()
    tags = fields.List(fields.String())


class OuterSchema(Schema):
    item = fields.Nested(ItemSchema, allow_none=True)
    items = fields.List(fields.Nested(ItemSchema))
    renamed = fields.String(data_key="alias")
    absent = fields.String()


@pytest.mark.parametrize(
    "item",
    [
        Item("a", 3, 0.5, True, {"k": [1]}, ["x", "y"]),
        Item(b"bytes", "7", 2, 1, {}, []),  # coerced like marshmallow: str, int, float
        Item(None, None, None, None, None, None),
    ],
)
def test_field_conversions_match_marshmallow(item):
    obj = {"item": item, "items": [item, item], "renamed": 5}  # a mapping, no "absent" key
    assert compile_dump(OuterSchema)(obj) == OuterSchema().dump(obj)
    assert compile_dump(ItemSchema)(item) == ItemSchema().dump(item)


def test_a_missing_attribute_is_left_out_as_marshmallow_does():
    @dataclasses.dataclass
    class Partial:
        name: str

    assert (
        compile_dump(ItemSchema)(Partial("n")) == ItemSchema().dump(Partial("n")) == {"name": "n"}
    )


class Unsupported(Schema):
    when = fields.DateTime()


class WithDefault(Schema):
    name = fields.String(dump_default="x")


class Many(Schema):
    items = fields.Nested(ItemSchema, many=True)


@pytest.mark.parametrize("schema", [Unsupported, WithDefault, Many])
def test_what_it_cannot_reproduce_is_refused_when_compiling(schema):
    with pytest.raises(TypeError):
        compile_dump(schema)
