"""Local paths and ``s3://`` URIs behind one small interface.

Data goes through pyarrow filesystems (streaming, multipart uploads, zero-copy
reads); object listing and existence checks go through boto3, whose paginator
makes listing a prefix of millions of keys explicit.  Both retry throttling
(``SlowDown``, HTTP 503) with backoff: boto3's adaptive retry mode and pyarrow's
standard AWS retry strategy, with the attempt count from ``StorageConfig``.

Credentials come from boto3's standard chain (environment, shared profile with
SSO, assumed roles or ``credential_process``, instance or pod role), which
refreshes temporary credentials before they expire.  pyarrow can't call back
into botocore, so it is handed the chain's current keys, and a new pyarrow
filesystem is built whenever botocore has refreshed them: a multi-hour run
outlives any one set of temporary keys.  No key is ever written or printed; a
URI that carries credentials (``s3://KEY:SECRET@bucket``) is refused.

Atomic commit: a file is written under a temporary name and renamed locally or
uploaded to S3 when complete (an object only appears whole), and a *directory* of
outputs is committed by writing its manifest (``stage.json`` / ``manifest.json``)
last — readers trust the manifest, not the listing.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import uuid
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterator

import pyarrow as pa
import pyarrow.fs as pafs
from pydantic import Field, field_validator

from filters.section import Section
from pipeline.errors import UserError

GLOB_CHARS = set("*?[")
# Held while a client or filesystem is made from a boto3 session, which is not
# thread-safe: a tokenize actor runs several calls on threads over one Storage.
_CLIENTS = threading.Lock()


@dataclass(frozen=True)
class FileRef:
    """A file to read: its URI (or local path) and size in bytes."""

    uri: str
    size: int


def glob_regex(pattern: str) -> re.Pattern:
    """Shell-style glob: ``*`` and ``?`` stay within one path segment, ``**`` spans folders."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            out.append("[" + pattern[i + 1 : end].replace("!", "^", 1) + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def is_s3(uri: str) -> bool:
    return uri.startswith("s3://")


def refuse_credentials_in(uri: str, what: str = "") -> None:
    """A URI with a user-info part (``scheme://KEY:SECRET@host``) is an error that doesn't repeat it."""
    scheme, sep, rest = uri.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        shown = f"{scheme}://…@{rest.split('/', 1)[0].rsplit('@', 1)[1]}/…"
        raise UserError(
            f"{what or shown}: credentials in a URI are refused (they would end up in logs and reports); "
            "give them through the AWS chain: environment, ~/.aws profile, instance or pod role"
        )


class StorageConfig(Section):
    """Where S3 requests go.  Credentials come only from the standard AWS chain
    (environment, shared profile, instance/pod role), never from this file."""

    endpoint_url: str | None = Field(None, description="S3-compatible endpoint (MinIO, R2, ...); None = AWS")
    region: str | None = Field(None, description="S3 region; None = from the AWS chain")
    profile: str | None = Field(None, description="named profile from ~/.aws; None = default chain")
    max_attempts: int = Field(8, ge=1, le=50, description="attempts per request; throttling (SlowDown, 503) backs off")

    @field_validator("endpoint_url")
    @classmethod
    def _no_credentials_in_url(cls, value: str | None) -> str | None:
        if value is not None:
            refuse_credentials_in(value, "storage.endpoint_url")
        return value


def split_s3(uri: str) -> tuple[str, str]:
    refuse_credentials_in(uri)
    bucket, _, key = uri[len("s3://") :].partition("/")
    return bucket, key


def join(base: str, *parts: str) -> str:
    """Join path parts the same way for local paths and URIs."""
    out = base.rstrip("/")
    for part in parts:
        out = f"{out}/{part.strip('/')}"
    return out


class Storage:
    """Filesystem operations for one run; cheap to pickle into Ray tasks."""

    def __init__(self, config: StorageConfig | None = None):
        self.config = config or StorageConfig()

    def __getstate__(self):
        return {"config": self.config}

    def __setstate__(self, state):
        self.config = state["config"]

    # -- clients ---------------------------------------------------------------
    @cached_property
    def _session(self):
        import boto3

        return boto3.Session(profile_name=self.config.profile, region_name=self.config.region)

    @cached_property
    def s3_client(self):
        from botocore.config import Config

        retries = {"max_attempts": self.config.max_attempts, "mode": "adaptive"}
        session = self._session
        with _CLIENTS:
            return session.client(
                "s3",
                endpoint_url=self.config.endpoint_url,
                config=Config(retries=retries, s3={"addressing_style": "path"} if self.config.endpoint_url else {}),
            )

    def _s3fs(self) -> pafs.S3FileSystem:
        """A pyarrow S3 filesystem signed with the chain's current keys, rebuilt when they change.

        botocore refreshes temporary keys 10-15 minutes before they expire, so
        a stream opened on the filesystem returned here has at least that long.
        """
        session = self._session
        with _CLIENTS:
            creds = session.get_credentials()
            if creds is None:
                where = f"AWS profile '{self.config.profile}'" if self.config.profile else "the AWS credential chain"
                raise UserError(f"{where} has no credentials; set AWS_PROFILE, run `aws sso login` or check ~/.aws/credentials")
            frozen = creds.get_frozen_credentials()
            keys = (frozen.access_key, frozen.secret_key, frozen.token)
            if self.__dict__.get("_s3fs_keys") != keys:
                kwargs: dict = {
                    "retry_strategy": pafs.AwsStandardS3RetryStrategy(max_attempts=self.config.max_attempts),
                    "region": self.config.region or session.region_name or "us-east-1",
                    "access_key": frozen.access_key,
                    "secret_key": frozen.secret_key,
                    "session_token": frozen.token,
                }
                if self.config.endpoint_url:
                    scheme, _, host = self.config.endpoint_url.partition("://")
                    kwargs.update(endpoint_override=host, scheme=scheme, force_virtual_addressing=False)
                self._s3fs_current, self._s3fs_keys = pafs.S3FileSystem(**kwargs), keys
            return self._s3fs_current

    def filesystem(self, uri: str) -> tuple[pafs.FileSystem, str]:
        """The pyarrow filesystem and in-filesystem path for ``uri``."""
        if is_s3(uri):
            refuse_credentials_in(uri)
            return self._s3fs(), uri[len("s3://") :]
        return pafs.LocalFileSystem(), os.path.abspath(uri)

    # -- listing ---------------------------------------------------------------
    def _list_s3(self, prefix_uri: str, page_size: int) -> Iterator[FileRef]:
        bucket, prefix = split_s3(prefix_uri)
        paginator = self.s3_client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": page_size}):
                for obj in page.get("Contents", []):
                    if not obj["Key"].endswith("/"):
                        yield FileRef(f"s3://{bucket}/{obj['Key']}", obj["Size"])
        except Exception as err:  # botocore errors carry a useful one-line message
            raise UserError(f"{prefix_uri}: cannot list ({_short(err)}); check the bucket name and credentials") from None

    def list_files(self, uri: str, page_size: int = 1000) -> list[FileRef]:
        """Every file under a folder or prefix, recursively, sorted by URI."""
        if is_s3(uri):
            prefix = uri if uri.endswith("/") else uri + "/"
            return sorted(self._list_s3(prefix, page_size), key=lambda f: f.uri)
        root = Path(uri)
        files = [p for p in root.rglob("*") if p.is_file()]
        return sorted((FileRef(str(p), p.stat().st_size) for p in files), key=lambda f: f.uri)

    def stat(self, uri: str) -> FileRef | None:
        """The file at ``uri``, or None when there is no file there."""
        if is_s3(uri):
            bucket, key = split_s3(uri)
            try:
                head = self.s3_client.head_object(Bucket=bucket, Key=key)
            except Exception as err:
                code = getattr(err, "response", {}).get("Error", {}).get("Code", "")
                if code in ("404", "NoSuchKey", "NotFound"):
                    return None
                if code in ("403", "AccessDenied"):
                    raise UserError(f"{uri}: access denied; check credentials and bucket policy") from None
                if code == "NoSuchBucket":
                    raise UserError(f"{uri}: bucket '{bucket}' does not exist") from None
                raise UserError(f"{uri}: cannot read ({_short(err)})") from None
            return FileRef(uri, head["ContentLength"])
        path = Path(uri)
        return FileRef(str(path), path.stat().st_size) if path.is_file() else None

    def expand(self, inputs: list[str]) -> list[FileRef]:
        """Files named by each input (a file, a folder/prefix, or a glob).

        Each input must match something: a typo in one of several inputs is an
        error rather than a silently smaller run.
        """
        found: dict[str, FileRef] = {}
        for spec in inputs:
            matches = self._expand_one(spec)
            if not matches:
                raise UserError(f"{spec}: no input files found; check the path or glob")
            found.update((f.uri, f) for f in matches)
        return sorted(found.values(), key=lambda f: f.uri)

    def _expand_one(self, spec: str) -> list[FileRef]:
        if GLOB_CHARS & set(spec):
            base = spec[: min(spec.index(c) for c in GLOB_CHARS if c in spec)]
            base = base[: base.rfind("/") + 1] if "/" in base else "."
            if not is_s3(spec) and not Path(base).exists():
                raise UserError(f"{spec}: folder '{base}' does not exist")
            pattern = spec if is_s3(spec) or os.path.isabs(spec) else os.path.abspath(spec)
            pool = self.list_files(base) if is_s3(spec) else self.list_files(os.path.abspath(base))
            regex = glob_regex(pattern)
            return [f for f in pool if regex.match(f.uri)]
        single = self.stat(spec)
        if single is not None:
            return [single]
        if not is_s3(spec) and not Path(spec).exists():
            raise UserError(f"{spec}: input path does not exist")
        return self.list_files(spec)

    # -- reading and writing -----------------------------------------------------
    def open_input(self, uri: str, random_access: bool = False):
        fs, path = self.filesystem(uri)
        return fs.open_input_file(path) if random_access else fs.open_input_stream(path, compression=None)

    def read_bytes(self, uri: str) -> bytes:
        with self.open_input(uri) as f:
            return f.read()

    def exists(self, uri: str) -> bool:
        """True when a file, or any file under a folder/prefix, exists at ``uri``."""
        if is_s3(uri):
            if self.stat(uri) is not None:
                return True
            bucket, prefix = split_s3(uri.rstrip("/") + "/")
            try:
                resp = self.s3_client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
            except Exception as err:
                raise UserError(f"{uri}: cannot list ({_short(err)}); check the bucket name and credentials") from None
            return resp.get("KeyCount", 0) > 0
        return Path(uri).exists()

    def open_output(self, uri: str) -> "AtomicOutput":
        """A writable stream that appears at ``uri`` only once closed without error."""
        return AtomicOutput(self, uri)

    def write_bytes(self, uri: str, data: bytes) -> None:
        with self.open_output(uri) as f:
            f.write(data)

    def delete(self, uri: str) -> None:
        """Remove a file or everything under a folder/prefix.

        On S3 the keys are deleted through boto3: pyarrow's ``delete_dir``
        leaves an empty ``parent/`` marker object behind, which a folder
        listing (``pentaglot verify``) would then report as an extra file.
        """
        if is_s3(uri):
            bucket, _ = split_s3(uri)
            refs = [self.stat(uri)] if self.stat(uri) is not None else self.list_files(uri)
            keys = [split_s3(ref.uri)[1] for ref in refs]
            for i in range(0, len(keys), 1000):
                self.s3_client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[i : i + 1000]]})
            return
        fs, path = self.filesystem(uri)
        info = fs.get_file_info(path)
        if info.type == pafs.FileType.Directory:
            fs.delete_dir(path)
        elif info.type == pafs.FileType.File:
            fs.delete_file(path)

    def ensure_dir(self, uri: str) -> None:
        if not is_s3(uri):
            Path(uri).mkdir(parents=True, exist_ok=True)


class AtomicOutput:
    """Write to a temporary file, publish on a clean close, discard on error.

    Locally: ``<name>.tmp-<random>`` then ``os.replace``.  On S3: a local
    temporary file uploaded by boto3 on close, so the object appears only
    complete, a failed write leaves nothing behind, and the upload signs each
    request with the chain's current keys: a part file a write task keeps open
    for an hour can't outlive the temporary keys it was opened with.
    """

    def __init__(self, storage: Storage, uri: str):
        self.storage = storage
        self.uri = uri
        if is_s3(uri):
            refuse_credentials_in(uri)
            handle, self.tmp_path = tempfile.mkstemp(prefix="pentaglot-upload-")
            os.close(handle)
        else:
            self.tmp_path = f"{os.path.abspath(uri)}.tmp-{uuid.uuid4().hex[:8]}"
            Path(uri).parent.mkdir(parents=True, exist_ok=True)
        self.stream = pa.OSFile(self.tmp_path, "wb")

    def write(self, data) -> int:
        return self.stream.write(data)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.stream.close()
        try:
            if exc_type is None and is_s3(self.uri):
                bucket, key = split_s3(self.uri)
                self.storage.s3_client.upload_file(self.tmp_path, bucket, key)
            elif exc_type is None:
                os.replace(self.tmp_path, os.path.abspath(self.uri))
        finally:
            if os.path.exists(self.tmp_path):
                os.unlink(self.tmp_path)
        return False


def _short(err: Exception) -> str:
    """The first line of an SDK error, without its stack or request ids."""
    return str(err).splitlines()[0][:200]
