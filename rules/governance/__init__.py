"""Clinical governance of the knowledge base: rule fingerprints, versions, readable conditions."""
