"""The HTTP side: the threaded HTTP server, the WSGI application and the signature check."""
