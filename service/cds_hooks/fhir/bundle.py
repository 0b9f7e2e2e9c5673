"""Prefetch values and draft-order Bundles → resources, and what a partial list means.

A searchset Bundle that still carries a `next` link, or whose `total` is more than the
matches it holds, is one page of a longer list: prefetch.py follows what it may and leaves
the `next` link in place when it stops; here that becomes a note that the list is
incomplete, so a medication on an unread page is never silently missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.cds_hooks.fhir.elements import objects, ref, text
from service.cds_hooks.fhir.notes import Reading, UnreadableResource

Resource = dict[str, Any]


def unwrap(
    key: str,
    value: Any,
    seen: set[str],
    urls: dict[str, Resource],
    *,
    whole_list: bool = True,
) -> Reading[list[Resource]]:
    """The resources in one prefetch value; null and OperationOutcome mean no data.

    `seen` drops a resource met before; `urls` collects each entry's fullUrl. A list read
    for its latest few (`whole_list=False`: a search with `_count`) is not incomplete for
    having more pages.
    """
    source = f"prefetch {key}"
    reading: Reading[list[Resource]] = Reading([])
    if value is None:
        return reading
    if not isinstance(value, Mapping) or not isinstance(value.get("resourceType"), str):
        reading.note(source, "not a FHIR resource: ignored", affects_safety=True)
        return reading
    if value["resourceType"] == "OperationOutcome":
        reading.note(
            source,
            "the EHR returned an error (OperationOutcome) instead of data: treated as no data",
            affects_safety=True,
        )
        return reading
    if value["resourceType"] != "Bundle":
        reading.value.append(dict(value))
        return reading
    try:
        entries = objects(value, "entry", source)
        links = objects(value, "link", source)
    except UnreadableResource as error:
        reading.unreadable(source, error)
        return reading
    matches = 0
    for i, entry in enumerate(entries):
        resource = entry.get("resource")
        if not isinstance(resource, Mapping) or not isinstance(resource.get("resourceType"), str):
            matches += 1  # an entry of the list, said below, even though it cannot be read
            reading.note(f"{source} entry {i}", "not a FHIR resource: ignored", affects_safety=True)
            continue
        if resource["resourceType"] == "OperationOutcome":
            continue  # search.mode "outcome": a warning about the search, not data
        search = entry.get("search")
        if not (isinstance(search, Mapping) and search.get("mode") == "include"):
            matches += 1  # `total` counts matches, not resources included with them
        resource = dict(resource)
        full_url = entry.get("fullUrl")
        if isinstance(full_url, str) and full_url:
            urls[full_url] = resource  # for references by absolute URL
        identity = ref(resource)
        if identity in seen and isinstance(resource.get("id"), str):
            continue  # the same resource under two keys (or twice on one page)
        seen.add(identity)
        reading.value.append(resource)
    total = value.get("total")
    has_next = any(link.get("relation") == "next" for link in links)
    more = isinstance(total, int) and not isinstance(total, bool) and total > matches
    if whole_list and (has_next or more):
        shown = f"{matches} of {total}" if isinstance(total, int) else f"{matches}"
        reading.note(
            source,
            f"the list is incomplete ({shown} entries read; the rest are on pages that "
            "were not fetched): what is on them was not checked",
            affects_safety=True,
        )
    return reading


def reference_index(resources: list[Resource], urls: Mapping[str, Resource]) -> dict[str, Resource]:
    """Resources by every name a reference may use: fullUrl and Type/id."""
    index: dict[str, Resource] = dict(urls)
    for resource in resources:
        rid = resource.get("id")
        if isinstance(rid, str) and rid:
            index[f"{resource['resourceType']}/{rid}"] = resource
    return index


def resolve_reference(
    reference: str, index: Mapping[str, Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """A reference by fullUrl, relative 'Type/id', or absolute URL ending in 'Type/id'."""
    if reference in index:
        return index[reference]
    parts = reference.rstrip("/").split("/")
    if len(parts) >= 2:
        # An absolute URL whose Bundle entry has no fullUrl: match its last two segments
        # ('.../_history/2' versions are read as the resource).
        if len(parts) >= 4 and parts[-2] == "_history":
            parts = parts[:-2]
        return index.get(f"{parts[-2]}/{parts[-1]}")
    return None


def reference_of(element: Mapping[str, Any] | None, where: str) -> str | None:
    """Reference.reference as a string, or None."""
    if element is None:
        return None
    return text(element, "reference", where)
