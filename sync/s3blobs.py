"""Blobs in S3-compatible object storage (AWS S3, MinIO, Ceph RGW, Alibaba OSS), through boto3.

The same contract as ``DiskBlobStore`` (``sync.blobs.BlobStore``): content-addressed by SHA-256,
uploaded resumably by each owner, verified and ``check``-ed before it becomes a blob. The state of
an upload lives in the bucket, so any server process on any machine can take the next chunk:

- ``blobs/ab/cd/<sha256>``: a complete blob, written only after its bytes were verified;
- ``incoming/<sha256>.<owner tag>``: the owner's S3 multipart upload. A phone's chunks are small
  (512 KiB) and S3 wants parts of at least 5 MiB, so chunks are first staged as objects under
  ``incoming/<sha256>.<owner tag>.chunks/<offset>`` and folded into one part once they reach
  ``part_bytes``. What an upload has received is its parts' sizes plus the staged chunks that go
  on from there without a gap (a chunk a fold left behind, its part already uploaded, is
  ignored and deleted);
- ``incoming/<sha256>.<owner tag>.head``: the first bytes of an upload whose first chunk went into
  a part (parts of an unfinished upload cannot be read back), for telling its type.

A photo sent whole (most are) is hashed and checked in memory and written with one ``PutObject``.
A completed multipart upload is downloaded once (hashed as it arrives, ``check`` reads that
file), then copied into place server-side. ``path()`` gives a local copy for the readers that need
a file (thumbnails, OCR, transcription), kept under ``cache_dir``: a blob never changes, so a cached
copy is never stale.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sync.blobs import SNIFF_BYTES, BlobCheck, BlobStatus, Uploads, check_sha256
from sync.errors import BlobHashMismatch

MIN_PART_BYTES = 5 * 1024 * 1024  # AWS S3's smallest part but the last; others agree


def s3_client(
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
    addressing_style: str = "auto",
) -> Any:
    """A boto3 S3 client; keys left empty come from boto3's usual chain (environment, instance role)."""
    import boto3
    from botocore.config import Config

    config = Config(
        s3={"addressing_style": addressing_style},
        retries={"max_attempts": 4, "mode": "standard"},
        max_pool_connections=32,
        # only when the service asks: MinIO, Ceph and OSS may not speak the newer checksum headers
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=region or None,
        aws_access_key_id=access_key_id or None,
        aws_secret_access_key=secret_access_key or None,
        config=config,
    )


def _missing(exc: Exception) -> bool:
    code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound", "NoSuchUpload")


class S3BlobStore(Uploads):
    def __init__(
        self,
        client: Any,
        bucket: str,
        *,
        max_blob_bytes: int,
        cache_dir: Path,
        prefix: str = "",
        part_bytes: int = MIN_PART_BYTES,
    ) -> None:
        from botocore.exceptions import ClientError

        super().__init__(max_blob_bytes=max_blob_bytes)
        self.client, self.bucket, self.prefix = client, bucket, prefix
        self.part_bytes, self.cache_dir = part_bytes, cache_dir
        self._client_error = ClientError

    # -- names ----------------------------------------------------------------------------------
    def _final(self, sha256: str) -> str:
        return f"{self.prefix}blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def _upload(self, sha256: str, owner: str = "") -> str:
        return f"{self.prefix}incoming/{sha256}.{self._owner_tag(owner)}"

    def _cached(self, sha256: str) -> Path:
        return self.cache_dir / sha256[:2] / sha256[2:4] / sha256

    def _scratch(self) -> str:
        """Where temporary local files go (made again if someone cleared the cache)."""
        folder = self.cache_dir / "incoming"
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder)

    # -- the bucket's state of an upload ----------------------------------------------------------
    def _size(self, key: str) -> int | None:
        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"])
        except self._client_error as exc:
            if _missing(exc):
                return None
            raise

    def _multipart(self, key: str) -> tuple[str | None, list[dict[str, Any]]]:
        """The open multipart upload at ``key`` (its id, its parts in order), or (None, [])."""
        listed = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=key)
        upload_id = next((u["UploadId"] for u in listed.get("Uploads", []) if u["Key"] == key), None)
        if upload_id is None:
            return None, []
        parts: list[dict[str, Any]] = []
        marker = 0
        while True:
            page = self.client.list_parts(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumberMarker=marker)
            parts.extend(page.get("Parts", []))
            if not page.get("IsTruncated"):
                return upload_id, parts
            marker = int(page["NextPartNumberMarker"])

    def _staged(self, key: str) -> list[tuple[int, str, int]]:
        """The staged chunks (offset, key, size), in order."""
        out: list[tuple[int, str, int]] = []
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=f"{key}.chunks/")
        for page in pages:
            for item in page.get("Contents", []):
                out.append((int(item["Key"].rsplit("/", 1)[1]), item["Key"], int(item["Size"])))
        return sorted(out)

    def _progress(
        self, sha256: str, owner: str
    ) -> tuple[str | None, list[dict[str, Any]], list[tuple[int, str, int]], list[str], int]:
        """The owner's upload: its id, its parts, the staged chunks that follow the parts without a
        gap, the keys of staged chunks that do not (left by a fold that stopped before deleting
        them, or beyond a gap), and the bytes received."""
        key = self._upload(sha256, owner)
        upload_id, parts = self._multipart(key)
        received = sum(int(p["Size"]) for p in parts)
        live: list[tuple[int, str, int]] = []
        stale: list[str] = []
        for offset, chunk_key, size in self._staged(key):
            if offset == received and size > 0:
                live.append((offset, chunk_key, size))
                received += size
            else:
                stale.append(chunk_key)
        return upload_id, parts, live, stale, received

    # -- the interface ----------------------------------------------------------------------------
    def status(self, sha256: str, owner: str = "") -> BlobStatus:
        size = self._size(self._final(check_sha256(sha256)))
        if size is not None:
            return BlobStatus(sha256, "complete", size)
        return self.part_status(sha256, owner)

    def part_status(self, sha256: str, owner: str = "") -> BlobStatus:
        *_, received = self._progress(check_sha256(sha256), owner)
        return BlobStatus(sha256, "partial" if received else "missing", received)

    def head(self, sha256: str, owner: str = "", size: int = SNIFF_BYTES) -> bytes:
        key = self._upload(check_sha256(sha256), owner)
        for candidate in (self._final(sha256), f"{key}.head", f"{key}.chunks/{0:012d}"):
            try:
                got = self.client.get_object(Bucket=self.bucket, Key=candidate, Range=f"bytes=0-{size - 1}")
                return bytes(got["Body"].read())
            except self._client_error as exc:
                if not _missing(exc) and "InvalidRange" not in str(exc):
                    raise
        return b""

    def append(
        self,
        sha256: str,
        offset: int,
        data: bytes,
        *,
        total: int,
        owner: str = "",
        reuse_complete: bool = True,
        check: BlobCheck | None = None,
    ) -> BlobStatus:
        self._admit(sha256, total)
        with self._lock(sha256):
            if reuse_complete and (size := self._size(self._final(sha256))) is not None:
                return BlobStatus(sha256, "complete", size)
            upload_id, parts, staged, stale, received = self._progress(sha256, owner)
            self._delete_keys(stale)
            self._fits(offset, received, len(data), total)
            if offset == 0 and len(data) == total:  # most photos: one PutObject, no upload state
                return self._whole(sha256, data, check)
            key = self._upload(sha256, owner)
            if data:  # (an empty chunk at the end finishes an upload whose bytes are all here)
                self.client.put_object(Bucket=self.bucket, Key=f"{key}.chunks/{offset:012d}", Body=data)
                staged.append((offset, f"{key}.chunks/{offset:012d}", len(data)))
            received = offset + len(data)
            last = received == total
            if staged and (last or sum(size for _, _, size in staged) >= self.part_bytes):
                if upload_id is None and last:  # small enough never to need a part
                    return self._whole(sha256, self._join(staged), check, cleanup=staged)
                upload_id, parts = self._fold(key, upload_id, parts, staged)
            if not last:
                return BlobStatus(sha256, "partial", received)
            assert upload_id is not None
            return self._complete(sha256, key, upload_id, parts, check)

    def _join(self, staged: list[tuple[int, str, int]]) -> bytes:
        return b"".join(self.client.get_object(Bucket=self.bucket, Key=k)["Body"].read() for _, k, _ in staged)

    def _fold(
        self, key: str, upload_id: str | None, parts: list[dict[str, Any]], staged: list[tuple[int, str, int]]
    ) -> tuple[str, list[dict[str, Any]]]:
        """The staged chunks become the upload's next part (and are deleted)."""
        body = self._join(staged)
        if upload_id is None:  # the head first: an upload is never without it
            self.client.put_object(Bucket=self.bucket, Key=f"{key}.head", Body=body[:64])
            upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]
        number = len(parts) + 1
        etag = self.client.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body)[
            "ETag"
        ]
        self._delete_keys([k for _, k, _ in staged])
        return upload_id, [*parts, {"PartNumber": number, "ETag": etag, "Size": len(body)}]

    def _verified_file(self, sha256: str, data: bytes | None, source: str | None) -> Path:
        """The bytes in a local temporary file, hashed on the way; a mismatch deletes it and raises."""
        fd, name = tempfile.mkstemp(dir=self._scratch(), suffix=".part")
        digest = hashlib.sha256()
        try:
            with os.fdopen(fd, "wb") as fh:
                if data is not None:
                    digest.update(data)
                    fh.write(data)
                else:
                    body = self.client.get_object(Bucket=self.bucket, Key=source)["Body"]
                    for block in body.iter_chunks(1 << 20):
                        digest.update(block)
                        fh.write(block)
            if digest.hexdigest() != sha256:
                raise BlobHashMismatch(
                    f"the uploaded bytes hash to {digest.hexdigest()}, not {sha256}; the upload was discarded"
                )
        except BaseException:
            os.unlink(name)
            raise
        return Path(name)

    def _stored(self, local: Path, check: BlobCheck | None, store: Callable[[], object]) -> None:
        """``check`` the verified local copy, then ``store`` the blob in the bucket; the copy is
        deleted if either fails."""
        try:
            if check is not None:
                check(local)
            store()
        except BaseException:
            local.unlink(missing_ok=True)
            raise

    def _keep_local(self, sha256: str, local: Path) -> BlobStatus:
        size = local.stat().st_size
        cached = self._cached(sha256)
        cached.parent.mkdir(parents=True, exist_ok=True)
        os.replace(local, cached)
        return BlobStatus(sha256, "complete", size)

    def _whole(
        self, sha256: str, data: bytes, check: BlobCheck | None, cleanup: list[tuple[int, str, int]] | None = None
    ) -> BlobStatus:
        try:
            local = self._verified_file(sha256, data, None)
            self._stored(
                local, check, lambda: self.client.put_object(Bucket=self.bucket, Key=self._final(sha256), Body=data)
            )
        finally:  # stored or refused, the staged chunks have done their part
            self._delete_keys([k for _, k, _ in cleanup or []])
        return self._keep_local(sha256, local)

    def _complete(
        self, sha256: str, key: str, upload_id: str, parts: list[dict[str, Any]], check: BlobCheck | None
    ) -> BlobStatus:
        self.client.complete_multipart_upload(
            Bucket=self.bucket,
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in parts]},
        )
        try:
            local = self._verified_file(sha256, None, key)
            self._stored(
                local,
                check,
                lambda: self.client.copy_object(
                    Bucket=self.bucket, Key=self._final(sha256), CopySource={"Bucket": self.bucket, "Key": key}
                ),
            )
        finally:
            self._delete_keys([key, f"{key}.head"])
        return self._keep_local(sha256, local)

    def open(self, sha256: str) -> Iterator[bytes]:
        cached = self._cached(check_sha256(sha256))
        if cached.exists():
            with cached.open("rb") as fh:
                yield from iter(lambda: fh.read(1 << 16), b"")
            return
        yield from self.client.get_object(Bucket=self.bucket, Key=self._final(sha256))["Body"].iter_chunks(1 << 16)

    def path(self, sha256: str) -> Path | None:
        """A local copy of the blob (fetched once, then kept in the cache), or None when it is not stored."""
        cached = self._cached(check_sha256(sha256))
        if cached.exists():
            return cached
        fd, name = tempfile.mkstemp(dir=self._scratch(), suffix=".get")
        os.close(fd)
        try:
            self.client.download_file(self.bucket, self._final(sha256), name)
        except BaseException as exc:
            os.unlink(name)
            if isinstance(exc, self._client_error) and _missing(exc):
                return None
            raise
        cached.parent.mkdir(parents=True, exist_ok=True)
        os.replace(name, cached)
        return cached

    def _delete_keys(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            chunk = keys[start : start + 1000]
            if chunk:
                self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True}
                )

    def delete_partial(self, sha256: str, owner: str = "") -> None:
        key = self._upload(check_sha256(sha256), owner)
        upload_id, _ = self._multipart(key)
        if upload_id is not None:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        staged = self._staged(key)
        self._delete_keys([k for _, k, _ in staged] + ([f"{key}.head"] if upload_id else []))

    def delete(self, sha256: str) -> None:
        """Forget a blob (one the server refused after it arrived), and every partial upload of it."""
        with self._lock(check_sha256(sha256)):
            self._delete_keys([self._final(sha256)])
            self._cached(sha256).unlink(missing_ok=True)
            prefix = f"{self.prefix}incoming/{sha256}."
            listed = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=prefix)
            for upload in listed.get("Uploads", []):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"])
            keys: list[str] = []
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                keys.extend(item["Key"] for item in page.get("Contents", []))
            self._delete_keys(keys)
