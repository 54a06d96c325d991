"""The HTTP side: the HTTP layer (waitress, bounded threads), the WSGI application, the signature check
and the web console."""
