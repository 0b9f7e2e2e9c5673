"""Clinical governance at the edge: knowledge-base diff, FHIR export, catalog, feedback report."""
