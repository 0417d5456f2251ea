"""The Store's parts, one module per kind of record; `storage.Store` joins them."""
