"""Everything that talks to Neo4j: the driver, constraints, Cypher per aggregate, the bulk loader and
the local Neo4j launcher. Knows nothing about GraphQL."""
