"""The only code that runs SQL: the store, its schema, and the queries and changes of each resource family."""
