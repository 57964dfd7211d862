"""The Strawberry GraphQL schema: types, inputs, loaders and the root Query. Thin over graph/."""
