"""The object store served over OSS's REST API, for oss2, alibabacloud-oss-v2, ossfs and ossutil.

:class:`OssApp` is the WSGI application of the endpoint; :class:`OssHostRouter` puts it beside
the BatchCompute API on one port, for requests whose Host names an OSS endpoint. The endpoint
sits beside ``web``: it uses ``run`` (the bucket store), never ``api``.
"""

from .app import OssApp, xml_error
from .hosts import OssHostRouter, OssHosts
from .operations import MAX_OBJECT_BYTES

__all__ = ["OssApp", "OssHosts", "OssHostRouter", "MAX_OBJECT_BYTES", "xml_error"]
