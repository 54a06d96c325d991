"""The OSS operations, over the bucket store and its multipart uploads.

Each takes an :class:`OssRequest` and returns an :class:`Answer`; refusals are raised (OssError,
or the store's errors, which the application maps to OSS's codes).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Callable, List, Optional, Tuple
from urllib.parse import quote, unquote

from werkzeug.http import parse_date, parse_etags, parse_range_header

from ..constants import OWNER_ID
from ..run.buckets import BucketInfo, BucketStore
from ..run.multipart import MAX_PART_NUMBER, Uploads
from ..run.object_errors import BucketNotEmpty, InvalidObjectName, NoSuchBucket, NoSuchKey
from ..run.object_meta import APPENDABLE, ObjectInfo
from .documents import Node, http_time, iso_time, malformed, parse, text
from .errors import OssError, invalid_argument
from .http import STANDARD_HEADERS, Answer, OssRequest

__all__ = ["Operations", "MAX_OBJECT_BYTES"]

#: The largest body of one PutObject, UploadPart or AppendObject (OSS's limit).
MAX_OBJECT_BYTES = 5 * 1024**3
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
MAX_DELETE_KEYS = 1000
OWNER: List[Node] = [("ID", OWNER_ID), ("DisplayName", OWNER_ID)]
RESPONSE_OVERRIDES = {"response-" + name.lower(): name for name in STANDARD_HEADERS + ("Content-Type",)}


def _quoted(etag: str) -> str:
    return '"%s"' % etag


def _count(request: OssRequest, name: str, default: Optional[int], maximum: int, minimum: int = 1) -> int:
    """The number parameter ``name`` (``default`` when absent; None: it is required)."""
    value = request.params.get(name, "")
    if not value and default is not None:
        return default
    if not (value.isascii() and value.isdigit() and minimum <= int(value) <= maximum):
        raise invalid_argument("%s must be a number from %d to %d" % (name, minimum, maximum), name, value)
    return int(value)


def _encoder(request: OssRequest) -> Tuple[Callable[[str], str], Optional[str]]:
    """How names are written in the answer (``encoding-type=url``: percent-encoded)."""
    kind = request.params.get("encoding-type", "")
    if not kind:
        return (lambda name: name), None
    if kind != "url":
        raise invalid_argument("encoding-type can only be url", "encoding-type", kind)
    return (lambda name: quote(name, safe="")), "url"


def _bounded(request: OssRequest) -> None:
    if request.length > MAX_OBJECT_BYTES:
        raise OssError(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.")


class Operations:
    """The operations of an endpoint that calls itself ``endpoint`` (``host:port``) in
    ``region``."""

    def __init__(self, store: BucketStore, uploads: Uploads, endpoint: str, region: str) -> None:
        self.store = store
        self.uploads = uploads
        self.endpoint = endpoint
        self.region = region

    # -- the service and buckets

    def _bucket_nodes(self, bucket: BucketInfo) -> List[Node]:
        return [
            ("CreationDate", iso_time(bucket.created)),
            ("ExtranetEndpoint", self.endpoint),
            ("IntranetEndpoint", self.endpoint),
            ("Location", "oss-" + self.region),
            ("Name", bucket.name),
            ("Region", self.region),
            ("StorageClass", "Standard"),
        ]

    def list_buckets(self, request: OssRequest) -> Answer:
        prefix, marker = request.params.get("prefix", ""), request.params.get("marker", "")
        max_keys = _count(request, "max-keys", 100, 1000)
        found = [b for b in self.store.buckets() if b.name.startswith(prefix) and b.name > marker]
        page, truncated = found[:max_keys], len(found) > max_keys
        paged = any(name in request.params for name in ("prefix", "marker", "max-keys"))
        nodes: List[Node] = []
        if paged:
            nodes += [("Prefix", prefix), ("Marker", marker), ("MaxKeys", max_keys), ("IsTruncated", truncated)]
            nodes.append(("NextMarker", page[-1].name if truncated else None))
        nodes += [("Owner", OWNER), ("Buckets", [("Bucket", self._bucket_nodes(b)) for b in page])]
        return Answer.document("ListAllMyBucketsResult", nodes)

    def put_bucket(self, request: OssRequest) -> Answer:
        if request.length:
            parse(request.body(MAX_DOCUMENT_BYTES), ["CreateBucketConfiguration"])
        self.store.create_bucket(request.bucket or "")
        return Answer.empty(200, [("Location", "/" + (request.bucket or ""))])

    def delete_bucket(self, request: OssRequest) -> Answer:
        bucket = request.bucket or ""
        self.store.bucket(bucket)
        if self.uploads.in_bucket(bucket):
            raise BucketNotEmpty("the bucket %s has multipart uploads in progress" % bucket)
        self.store.delete_bucket(bucket)
        return Answer.empty(204)

    def head_bucket(self, request: OssRequest) -> Answer:
        self.store.bucket(request.bucket or "")
        return Answer.empty()

    def bucket_info(self, request: OssRequest) -> Answer:
        bucket = self.store.bucket(request.bucket or "")
        nodes = self._bucket_nodes(bucket) + [
            ("AccessMonitor", "Disabled"),
            ("CrossRegionReplication", "Disabled"),
            ("TransferAcceleration", "Disabled"),
            ("DataRedundancyType", "LRS"),
            ("Versioning", "Disabled"),
            ("Comment", ""),
            ("Owner", [("DisplayName", OWNER_ID), ("ID", OWNER_ID)]),
            ("AccessControlList", [("Grant", "private")]),
            ("ServerSideEncryptionRule", [("SSEAlgorithm", "None")]),
            ("BucketPolicy", [("LogBucket", ""), ("LogPrefix", "")]),
        ]
        return Answer.document("BucketInfo", [("Bucket", nodes)])

    def bucket_location(self, request: OssRequest) -> Answer:
        self.store.bucket(request.bucket or "")
        return Answer.document("LocationConstraint", "oss-" + self.region)

    def bucket_acl(self, request: OssRequest) -> Answer:
        self.store.bucket(request.bucket or "")
        return self._acl("private")

    def object_acl(self, request: OssRequest) -> Answer:
        self.store.head(request.bucket or "", request.key)
        return self._acl("default")

    @staticmethod
    def _acl(grant: str) -> Answer:
        return Answer.document("AccessControlPolicy", [("Owner", OWNER), ("AccessControlList", [("Grant", grant)])])

    # -- listing

    @staticmethod
    def _contents(info: ObjectInfo, encode: Callable[[str], str], owner: bool) -> Node:
        return (
            "Contents",
            [
                ("Key", encode(info.key)),
                ("LastModified", iso_time(info.mtime)),
                ("ETag", _quoted(info.etag)),
                ("Type", info.kind),
                ("Size", info.size),
                ("StorageClass", "Standard"),
                ("Owner", OWNER if owner else None),
            ],
        )

    def list_objects(self, request: OssRequest) -> Answer:
        encode, encoding = _encoder(request)
        params = request.params
        prefix, delimiter, marker = params.get("prefix", ""), params.get("delimiter", ""), params.get("marker", "")
        max_keys = _count(request, "max-keys", 100, 1000)
        listing = self.store.list(request.bucket or "", prefix, delimiter, marker, max_keys)
        nodes: List[Node] = [
            ("Name", request.bucket),
            ("Prefix", encode(prefix)),
            ("Marker", encode(marker)),
            ("MaxKeys", max_keys),
            ("Delimiter", encode(delimiter)),
            ("EncodingType", encoding),
            ("IsTruncated", listing.truncated),
            ("NextMarker", encode(listing.next_marker) if listing.truncated else None),
        ]
        nodes += [self._contents(info, encode, True) for info in listing.objects]
        nodes += [("CommonPrefixes", [("Prefix", encode(p))]) for p in listing.prefixes]
        return Answer.document("ListBucketResult", nodes)

    def list_objects_v2(self, request: OssRequest) -> Answer:
        if request.params["list-type"] != "2":
            raise invalid_argument("list-type can only be 2", "list-type", request.params["list-type"])
        encode, encoding = _encoder(request)
        params = request.params
        prefix, delimiter = params.get("prefix", ""), params.get("delimiter", "")
        token, start_after = params.get("continuation-token", ""), params.get("start-after", "")
        max_keys = _count(request, "max-keys", 100, 1000)
        after = self._token_marker(token) if token else start_after
        listing = self.store.list(request.bucket or "", prefix, delimiter, after, max_keys)
        next_token = base64.urlsafe_b64encode(listing.next_marker.encode("utf-8")).decode("ascii")
        nodes: List[Node] = [
            ("Name", request.bucket),
            ("Prefix", encode(prefix)),
            ("StartAfter", encode(start_after) if start_after else None),
            ("ContinuationToken", token or None),
            ("MaxKeys", max_keys),
            ("Delimiter", encode(delimiter)),
            ("EncodingType", encoding),
            ("IsTruncated", listing.truncated),
            ("NextContinuationToken", next_token if listing.truncated else None),
            ("KeyCount", len(listing.objects) + len(listing.prefixes)),
        ]
        owner = params.get("fetch-owner", "") == "true"
        nodes += [self._contents(info, encode, owner) for info in listing.objects]
        nodes += [("CommonPrefixes", [("Prefix", encode(p))]) for p in listing.prefixes]
        return Answer.document("ListBucketResult", nodes)

    @staticmethod
    def _token_marker(token: str) -> str:
        try:
            return base64.urlsafe_b64decode(token.encode("ascii")).decode("utf-8")
        except (binascii.Error, ValueError):
            raise invalid_argument(
                "The continuation-token is not one this server gave.", "continuation-token", token
            ) from None

    def delete_objects(self, request: OssRequest) -> Answer:
        encode, encoding = _encoder(request)
        root = parse(request.body(MAX_DOCUMENT_BYTES), ["Delete"])
        quiet = text(root, "Quiet", "false").strip().lower() == "true"
        keys = [text(item, "Key") for item in root.findall("Object")]
        if not 0 < len(keys) <= MAX_DELETE_KEYS:
            raise malformed("a Delete document names 1 to %d objects" % MAX_DELETE_KEYS)
        bucket = request.bucket or ""
        self.store.bucket(bucket)
        for key in keys:
            try:
                self.store.delete(bucket, key)
            except InvalidObjectName:  # no object can have that name: there is none to delete
                pass
        deleted = [] if quiet else [("Deleted", [("Key", encode(key))]) for key in keys]
        return Answer.document("DeleteResult", [("EncodingType", encoding)] + deleted)

    # -- objects

    def put_object(self, request: OssRequest) -> Answer:
        if request.header("x-oss-copy-source"):
            return self.copy_object(request)
        _bounded(request)
        info = self.store.put(
            request.bucket or "",
            request.key,
            request.chunks(),
            request.attributes(),
            request.content_md5(),
            overwrite=not request.flag("x-oss-forbid-overwrite"),
        )
        digest = base64.b64encode(bytes.fromhex(info.etag)).decode("ascii")
        return Answer.empty(200, [("ETag", _quoted(info.etag)), ("Content-MD5", digest)])

    def copy_object(self, request: OssRequest) -> Answer:
        source_bucket, source_key = self._copy_source(request.header("x-oss-copy-source"))
        directive = (request.header("x-oss-metadata-directive") or "COPY").upper()
        if directive not in ("COPY", "REPLACE"):
            raise invalid_argument("x-oss-metadata-directive is COPY or REPLACE", "x-oss-metadata-directive", directive)
        attributes = request.attributes() if directive == "REPLACE" else None
        bucket = request.bucket or ""
        try:
            info = self.store.copy(
                source_bucket,
                source_key,
                bucket,
                request.key,
                attributes,
                overwrite=not request.flag("x-oss-forbid-overwrite"),
            )
        except NoSuchKey:
            raise OssError(404, "NoSuchKey", "The specified key does not exist.", {"Key": source_key}) from None
        except NoSuchBucket:
            self.store.bucket(bucket)
            raise OssError(
                404, "NoSuchBucket", "The specified bucket does not exist.", {"BucketName": source_bucket}
            ) from None
        nodes = [("LastModified", iso_time(info.mtime)), ("ETag", _quoted(info.etag))]
        answer = Answer.document("CopyObjectResult", nodes)
        answer.headers.append(("ETag", _quoted(info.etag)))
        return answer

    @staticmethod
    def _copy_source(header: str) -> Tuple[str, str]:
        path, _, version = header.partition("?")
        if version:
            raise invalid_argument("object versions are not kept here", "x-oss-copy-source", header)
        try:
            bucket, _, key = unquote(path, errors="strict").lstrip("/").partition("/")
        except UnicodeDecodeError:
            raise invalid_argument("x-oss-copy-source is not UTF-8", "x-oss-copy-source", header) from None
        if not bucket or not key:
            raise invalid_argument("x-oss-copy-source is /bucket/key", "x-oss-copy-source", header)
        return bucket, key

    @staticmethod
    def _object_headers(info: ObjectInfo) -> List[Tuple[str, str]]:
        headers = [
            ("Content-Type", info.attributes.content_type),
            ("Last-Modified", http_time(info.mtime)),
            ("Accept-Ranges", "bytes"),
            ("x-oss-object-type", info.kind),
            ("x-oss-storage-class", "Standard"),
        ]
        if info.etag:
            headers.append(("ETag", _quoted(info.etag)))
        headers += sorted(info.attributes.headers.items())
        headers += [("x-oss-meta-" + name, value) for name, value in sorted(info.attributes.meta.items())]
        if info.kind == APPENDABLE:
            headers.append(("x-oss-next-append-position", str(info.size)))
        return headers

    @staticmethod
    def _unchanged(request: OssRequest, info: ObjectInfo) -> Optional[Answer]:
        """The 304 answer (or 412 PreconditionFailed) the request's conditions call for."""
        etag, modified = info.etag, int(info.mtime)
        if_match, if_none_match = request.header("if-match"), request.header("if-none-match")
        if_unmodified = parse_date(request.header("if-unmodified-since") or None)
        if_modified = parse_date(request.header("if-modified-since") or None)
        if (if_match and not parse_etags(if_match).contains(etag)) or (
            if_unmodified is not None and modified > if_unmodified.timestamp()
        ):
            raise OssError(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold.")
        if (if_none_match and parse_etags(if_none_match).contains(etag)) or (
            not if_none_match and if_modified is not None and modified <= if_modified.timestamp()
        ):
            return Answer.empty(304, [("ETag", _quoted(etag)), ("Last-Modified", http_time(info.mtime))])
        return None

    @staticmethod
    def _range(request: OssRequest, size: int) -> Tuple[int, int, List[Tuple[str, str]]]:
        """``(start, stop, headers)``: the whole object unless a single satisfiable Range is
        asked; an end past the object is clipped; an unsatisfiable one is 416 with
        ``x-oss-range-behavior: standard``, else the whole object (OSS's default)."""
        value = request.header("range")
        parsed = parse_range_header(value) if value else None
        bounds = parsed.range_for_length(size) if parsed is not None else None
        if bounds is None:
            standard = request.header("x-oss-range-behavior").lower() == "standard"
            if parsed is not None and len(parsed.ranges) == 1 and standard:
                raise OssError(
                    416,
                    "InvalidRange",
                    "The requested range cannot be satisfied.",
                    headers=[("Content-Range", "bytes */%d" % size)],
                )
            return 0, size, []
        start, stop = bounds
        return start, stop, [("Content-Range", "bytes %d-%d/%d" % (start, stop - 1, size))]

    def get_object(self, request: OssRequest) -> Answer:
        reader = self.store.open(request.bucket or "", request.key)
        try:
            info = reader.info
            unchanged = self._unchanged(request, info)
            if unchanged is not None:
                reader.close()
                return unchanged
            start, stop, range_headers = self._range(request, info.size)
            headers = self._object_headers(info) + range_headers
            overrides = {RESPONSE_OVERRIDES[k]: v for k, v in request.params.items() if k in RESPONSE_OVERRIDES}
            headers = [(k, v) for k, v in headers if k not in overrides] + sorted(overrides.items())
            status = 206 if range_headers else 200
            return Answer(status, headers, reader.chunks(start, stop), stop - start, lambda: reader.file_from(start))
        except BaseException:
            reader.close()
            raise

    def head_object(self, request: OssRequest) -> Answer:
        info = self.store.head(request.bucket or "", request.key)
        unchanged = self._unchanged(request, info)
        if unchanged is not None:
            return unchanged
        return Answer.empty(200, self._object_headers(info) + [("Content-Length", str(info.size))])

    def object_meta(self, request: OssRequest) -> Answer:
        info = self.store.head(request.bucket or "", request.key)
        headers = [("Content-Length", str(info.size)), ("Last-Modified", http_time(info.mtime))]
        return Answer.empty(200, headers + ([("ETag", _quoted(info.etag))] if info.etag else []))

    def delete_object(self, request: OssRequest) -> Answer:
        self.store.delete(request.bucket or "", request.key)
        return Answer.empty(204)

    def append_object(self, request: OssRequest) -> Answer:
        position = request.params.get("position", "")
        if not (position.isascii() and position.isdigit()):
            raise invalid_argument("position must be a number", "position", position)
        _bounded(request)
        info = self.store.append(
            request.bucket or "",
            request.key,
            int(position),
            request.chunks(),
            request.attributes(),
            request.content_md5(),
        )
        return Answer.empty(200, [("x-oss-next-append-position", str(info.size))])

    # -- multipart

    def initiate_upload(self, request: OssRequest) -> Answer:
        encode, encoding = _encoder(request)
        upload = self.uploads.initiate(request.bucket or "", request.key, request.attributes())
        nodes = [
            ("EncodingType", encoding),
            ("Bucket", upload.bucket),
            ("Key", encode(upload.key)),
            ("UploadId", upload.upload_id),
        ]
        return Answer.document("InitiateMultipartUploadResult", nodes)

    def upload_part(self, request: OssRequest) -> Answer:
        if request.header("x-oss-copy-source"):
            raise OssError(501, "NotImplemented", "UploadPartCopy is not served by this server.")
        number = _count(request, "partNumber", None, MAX_PART_NUMBER)
        _bounded(request)
        part = self.uploads.upload_part(
            request.bucket or "",
            request.key,
            request.params["uploadId"],
            number,
            request.chunks(),
            request.content_md5(),
        )
        return Answer.empty(200, [("ETag", _quoted(part.etag))])

    def complete_upload(self, request: OssRequest) -> Answer:
        encode, encoding = _encoder(request)
        chosen: Optional[List[Tuple[int, str]]] = None
        if request.header("x-oss-complete-all").lower() != "yes":
            root = parse(request.body(MAX_DOCUMENT_BYTES), ["CompleteMultipartUpload"])
            try:
                chosen = [(int(text(part, "PartNumber")), text(part, "ETag")) for part in root.findall("Part")]
            except ValueError:
                raise malformed("a PartNumber is not a number") from None
        bucket = request.bucket or ""
        info = self.uploads.complete(bucket, request.key, request.params["uploadId"], chosen)
        nodes = [
            ("EncodingType", encoding),
            ("Location", "http://%s/%s/%s" % (self.endpoint, bucket, quote(request.key))),
            ("Bucket", bucket),
            ("Key", encode(request.key)),
            ("ETag", _quoted(info.etag)),
        ]
        answer = Answer.document("CompleteMultipartUploadResult", nodes)
        answer.headers.append(("ETag", _quoted(info.etag)))
        return answer

    def abort_upload(self, request: OssRequest) -> Answer:
        self.uploads.abort(request.bucket or "", request.key, request.params["uploadId"])
        return Answer.empty(204)

    def list_parts(self, request: OssRequest) -> Answer:
        max_parts = _count(request, "max-parts", 1000, 1000)
        marker = _count(request, "part-number-marker", 0, MAX_PART_NUMBER, 0)
        upload_id = request.params["uploadId"]
        parts = [p for p in self.uploads.parts(request.bucket or "", request.key, upload_id) if p.number > marker]
        page, truncated = parts[:max_parts], len(parts) > max_parts
        nodes: List[Any] = [
            ("Bucket", request.bucket),
            ("Key", request.key),
            ("UploadId", upload_id),
            ("PartNumberMarker", marker),
            ("NextPartNumberMarker", page[-1].number if page else marker),
            ("MaxParts", max_parts),
            ("IsTruncated", truncated),
        ]
        nodes += [
            (
                "Part",
                [
                    ("PartNumber", p.number),
                    ("LastModified", iso_time(p.mtime)),
                    ("ETag", _quoted(p.etag)),
                    ("Size", p.size),
                ],
            )
            for p in page
        ]
        return Answer.document("ListPartsResult", nodes)

    def list_uploads(self, request: OssRequest) -> Answer:
        encode, encoding = _encoder(request)
        params = request.params
        prefix, key_marker = params.get("prefix", ""), params.get("key-marker", "")
        id_marker = params.get("upload-id-marker", "")
        max_uploads = _count(request, "max-uploads", 1000, 1000)
        found = [
            u
            for u in self.uploads.in_bucket(request.bucket or "")
            if u.key.startswith(prefix) and (u.key, u.upload_id) > (key_marker, id_marker)
        ]
        found.sort(key=lambda upload: (upload.key, upload.upload_id))
        page, truncated = found[:max_uploads], len(found) > max_uploads
        last = page[-1] if truncated else None
        nodes: List[Any] = [
            ("EncodingType", encoding),
            ("Bucket", request.bucket),
            ("KeyMarker", encode(key_marker)),
            ("UploadIdMarker", id_marker),
            ("NextKeyMarker", encode(last.key) if last else ""),
            ("NextUploadIdMarker", last.upload_id if last else ""),
            ("Delimiter", encode(params.get("delimiter", ""))),
            ("Prefix", encode(prefix)),
            ("MaxUploads", max_uploads),
            ("IsTruncated", truncated),
        ]
        nodes += [
            ("Upload", [("Key", encode(u.key)), ("UploadId", u.upload_id), ("Initiated", iso_time(u.initiated))])
            for u in page
        ]
        return Answer.document("ListMultipartUploadsResult", nodes)
