"""OSS request signatures: V1 (``Authorization: OSS id:signature``, presigned ``OSSAccessKeyId``
/ ``Expires`` / ``Signature``) and V4 (``OSS4-HMAC-SHA256`` in the header or the query).

Both sign over the decoded bucket and key. V1 signs the method, Content-MD5, Content-Type, the
date, the ``x-oss-*`` headers and the resource with OSS's fixed list of sub-resources; V4 signs
every query parameter, the ``x-oss-*``, Content-Type, Content-MD5 and named additional headers,
with a key derived for the date and region of the request's own credential scope. Refused:
an unknown key (InvalidAccessKeyId), a wrong signature (SignatureDoesNotMatch), a request time
more than 15 minutes away (RequestTimeTooSkewed), an expired URL or no signature at all
(AccessDenied), a signed header sent twice (InvalidArgument).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import re
import time
from email.utils import parsedate_to_datetime
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import quote

from ..constants import MAX_DATE_SKEW_SECONDS
from .errors import OssError, access_denied, invalid_argument

__all__ = ["OssAuthenticator", "SignedRequest", "SUBRESOURCES", "V4_SCHEME", "UNSIGNED_PAYLOAD"]

V4_SCHEME = "OSS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
MAX_V4_EXPIRES = 7 * 24 * 3600
#: The query parameters that V1 signs: OSS's list, as the official SDKs (oss2, v2) carry it.
SUBRESOURCES = frozenset(
    """acl uploads location cors logging website referer lifecycle delete append tagging objectMeta
    uploadId partNumber security-token position replication replicationProgress replicationLocation
    cname bucketInfo comp qos live status vod startTime endTime symlink x-oss-process
    response-content-type x-oss-traffic-limit response-content-language response-expires
    response-cache-control response-content-disposition response-content-encoding restore callback
    callback-var qosInfo policy stat encryption versions versioning versionId requestPayment
    x-oss-request-payer sequential inventory inventoryId continuation-token asyncFetch worm wormId
    wormExtend objectInfo group link transferAcceleration metaQuery x-oss-ac-source-ip
    x-oss-ac-subnet-mask x-oss-ac-vpc-id x-oss-ac-forward-allow resourceGroup style styleName
    regionList x-oss-async-process x-oss-write-get-object-response cloudboxes""".split()
)
_V4_FIELD = re.compile(r"(\w+)\s*=\s*([^,\s]*)")


class SignedRequest:
    """What a signature covers: method, decoded bucket and key, decoded query pairs in order,
    and the headers as received."""

    def __init__(
        self,
        method: str,
        bucket: Optional[str],
        key: str,
        query: Sequence[Tuple[str, str]],
        headers: Sequence[Tuple[str, str]],
    ) -> None:
        self.method, self.bucket, self.key = method, bucket, key
        self.query = list(query)
        self.params = dict(self.query)
        self.headers: Dict[str, List[str]] = {}
        for name, value in headers:
            self.headers.setdefault(name.lower(), []).append(value)

    def header(self, name: str) -> str:
        """The header's value ("" when absent); InvalidArgument when it was sent twice."""
        values = self.headers.get(name, [])
        if len(values) > 1:
            raise invalid_argument("the header %s is sent more than once" % name, name)
        return values[0] if values else ""

    def resource_path(self) -> str:
        """``/bucket/key``, ``/bucket/`` or ``/``."""
        return "/%s/%s" % (self.bucket, self.key) if self.bucket else "/"


def _hmac_sha1(secret: str, text: str) -> str:
    return base64.b64encode(hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha1).digest()).decode()


def _v4_signing_key(secret: str, day: str, region: str, product: str) -> bytes:
    key = ("aliyun_v4" + secret).encode("utf-8")
    for part in (day, region, product, "aliyun_v4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def _v4_encode(text: str) -> str:
    return quote(text, safe="-_.~")


def _parse_v4_time(value: str) -> float:
    try:
        moment = datetime.datetime.strptime(value, "%Y%m%dT%H%M%SZ")
    except ValueError:
        raise access_denied("x-oss-date %r is not a time like 20261201T132954Z" % value) from None
    return moment.replace(tzinfo=datetime.timezone.utc).timestamp()


class OssAuthenticator:
    """Verifies requests signed with one of ``keys`` (id -> secret, shared with the BatchCompute
    API: a key added there is accepted here) at the time ``clock`` tells."""

    max_skew = MAX_DATE_SKEW_SECONDS

    def __init__(self, keys: Mapping[str, str], clock: Callable[[], float] = time.time) -> None:
        self.keys, self.clock = keys, clock

    def verify(self, request: SignedRequest) -> str:
        """The key id of a correctly signed request; OssError otherwise."""
        authorization = request.header("authorization").strip()
        if authorization.startswith(V4_SCHEME):
            return self._v4(request, self._v4_header_fields(authorization[len(V4_SCHEME) :]), False)
        if authorization.startswith("OSS "):
            return self._v1_header(request, authorization[4:])
        if authorization:
            raise invalid_argument("Authorization header is invalid.", "Authorization", authorization)
        if "OSSAccessKeyId" in request.params:
            return self._v1_query(request)
        if "x-oss-credential" in request.params:
            return self._v4(request, self._v4_query_fields(request), True)
        raise access_denied("Anonymous access is forbidden for this operation.")

    def _secret(self, key_id: str) -> str:
        secret = self.keys.get(key_id)
        if secret is None:
            raise OssError(
                403,
                "InvalidAccessKeyId",
                "The OSS Access Key Id you provided does not exist in our records.",
                {"OSSAccessKeyId": key_id},
            )
        return secret

    def _check_skew(self, stamp: float) -> None:
        if abs(stamp - self.clock()) > self.max_skew:
            raise OssError(
                403,
                "RequestTimeTooSkewed",
                "The difference between the request time and the current time is too large.",
            )

    @staticmethod
    def _compare(expected: str, given: str, key_id: str, string_to_sign: str) -> None:
        if not hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8", "replace")):
            raise OssError(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. "
                "Check your key and signing method.",
                {"StringToSign": string_to_sign, "SignatureProvided": given, "OSSAccessKeyId": key_id},
            )

    # -- V1

    def _v1_header(self, request: SignedRequest, credentials: str) -> str:
        key_id, sep, given = credentials.strip().rpartition(":")
        if not sep or not key_id:
            raise invalid_argument("Authorization header is invalid.", "Authorization", credentials)
        secret = self._secret(key_id)
        date = request.header("x-oss-date") or request.header("date")
        try:
            stamp = parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError, IndexError):
            raise access_denied("The request has no valid Date header.") from None
        self._check_skew(stamp)
        text = self._v1_string_to_sign(request, date)
        self._compare(_hmac_sha1(secret, text), given, key_id, text)
        return key_id

    def _v1_query(self, request: SignedRequest) -> str:
        key_id = request.params["OSSAccessKeyId"]
        secret = self._secret(key_id)
        expires = request.params.get("Expires", "")
        if not expires.isdigit():
            raise access_denied("The presigned URL has no valid Expires.")
        if int(expires) < self.clock():
            raise access_denied("Request has expired.")
        text = self._v1_string_to_sign(request, expires)
        self._compare(_hmac_sha1(secret, text), request.params.get("Signature", ""), key_id, text)
        return key_id

    @staticmethod
    def _v1_string_to_sign(request: SignedRequest, date: str) -> str:
        oss_headers = sorted((name, request.header(name)) for name in request.headers if name.startswith("x-oss-"))
        subresources = sorted((k, v) for k, v in request.query if k in SUBRESOURCES)
        resource = request.resource_path()
        if subresources:
            resource += "?" + "&".join(k + "=" + v if v else k for k, v in subresources)
        return "\n".join(
            [
                request.method,
                request.header("content-md5"),
                request.header("content-type"),
                date,
                "".join("%s:%s\n" % pair for pair in oss_headers) + resource,
            ]
        )

    # -- V4

    @staticmethod
    def _v4_header_fields(text: str) -> Dict[str, str]:
        """``Credential=..., AdditionalHeaders=..., Signature=...`` in any order and spacing."""
        fields = dict(_V4_FIELD.findall(text))
        if "Credential" not in fields or "Signature" not in fields:
            raise invalid_argument("Authorization header is invalid.", "Authorization", text)
        return fields

    @staticmethod
    def _v4_query_fields(request: SignedRequest) -> Dict[str, str]:
        params = request.params
        return {
            "Credential": params.get("x-oss-credential", ""),
            "Signature": params.get("x-oss-signature", ""),
            "AdditionalHeaders": params.get("x-oss-additional-headers", ""),
            "Date": params.get("x-oss-date", ""),
        }

    def _v4(self, request: SignedRequest, fields: Dict[str, str], presigned: bool) -> str:
        scope_parts = fields["Credential"].rsplit("/", 4)
        if len(scope_parts) != 5 or scope_parts[3:] != ["oss", "aliyun_v4_request"]:
            raise invalid_argument(
                "The credential must be ID/date/region/oss/aliyun_v4_request.", "Credential", fields["Credential"]
            )
        key_id, day, region, product, _ = scope_parts
        secret = self._secret(key_id)
        date = fields["Date"] if presigned else request.header("x-oss-date")
        stamp = _parse_v4_time(date)
        if date[:8] != day:
            raise access_denied("The date of the credential scope is not the day of x-oss-date.")
        if presigned:
            self._check_expiry(stamp, request.params.get("x-oss-expires", ""))
        else:
            self._check_skew(stamp)
        additional = [name.lower() for name in fields.get("AdditionalHeaders", "").split(";") if name]
        canonical = self._v4_canonical_request(request, additional, presigned)
        scope = "/".join((day, region, product, "aliyun_v4_request"))
        text = "\n".join((V4_SCHEME, date, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()))
        expected = hmac.new(_v4_signing_key(secret, day, region, product), text.encode("utf-8"), hashlib.sha256)
        self._compare(expected.hexdigest(), fields["Signature"], key_id, text)
        return key_id

    def _check_expiry(self, stamp: float, expires: str) -> None:
        if not expires.isdigit() or int(expires) > MAX_V4_EXPIRES:
            raise access_denied("x-oss-expires must be a number of seconds up to %d." % MAX_V4_EXPIRES)
        if stamp + int(expires) < self.clock():
            raise access_denied("Request has expired.")
        if stamp - self.clock() > self.max_skew:
            raise access_denied("The presigned URL is dated in the future.")

    @staticmethod
    def _v4_canonical_request(request: SignedRequest, additional: List[str], presigned: bool) -> str:
        query = sorted(
            (_v4_encode(k), _v4_encode(v)) for k, v in request.query if not (presigned and k == "x-oss-signature")
        )
        signed = sorted(
            name
            for name in request.headers
            if name.startswith("x-oss-") or name in ("content-type", "content-md5") or name in additional
        )
        return "\n".join(
            [
                request.method,
                quote(request.resource_path(), safe="/-_.~"),
                "&".join(k + "=" + v if v else k for k, v in query),
                "".join("%s:%s\n" % (name, request.header(name)) for name in signed),
                ";".join(sorted(additional)),
                request.header("x-oss-content-sha256") or UNSIGNED_PAYLOAD,
            ]
        )
