"""Typed settings, read once from the environment (prefix ``FIELDVISIT_``).

Every field documents itself; ``get_settings()`` caches the instance so the
environment is read exactly once per process.  Tests call
``get_settings.cache_clear()`` after changing the environment.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FIELDVISIT_", extra="ignore")

    data_dir: Path = Field(
        default=Path("data"),
        description="Folder for the embedded SQLite database, blobs and the generated secret key.",
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL. Empty means SQLite at <data_dir>/fieldvisit.db; "
        "PostgreSQL as postgresql+psycopg://user:pass@host/db.",
    )
    db_pool_size: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="Database connections each server process keeps open. With N server processes and W "
        "workers, PostgreSQL needs max_connections above "
        "(N + W) x (db_pool_size + db_pool_overflow).",
    )
    db_pool_overflow: int = Field(
        default=10, ge=0, le=1000, description="Connections a process may open beyond db_pool_size under load."
    )
    db_pool_timeout: float = Field(
        default=30,
        gt=0,
        le=600,
        description="Seconds a request waits for a free connection before it is answered 503 database_busy.",
    )
    secret_key: str = Field(
        default="",
        description="Secret for signing. Empty means one is generated once and kept in <data_dir>/secret_key.",
    )
    cookie_secure: bool = Field(
        default=False, description="Send the session cookie with the Secure flag (set true behind HTTPS)."
    )
    allowed_origins: list[str] = Field(
        default_factory=list,
        description="Origins besides the request's own host that may send state-changing requests "
        "(e.g. https://fieldvisit.example.com behind a proxy that rewrites Host). JSON list.",
    )
    session_days: int = Field(
        default=30,
        description="A session lasts this many days since its last use; reps stay signed in while offline.",
    )
    login_max_failures_per_account: int = Field(
        default=5,
        ge=1,
        description="Failed sign-ins allowed to one account from one client address within the login window; "
        "then that address may not sign in to that account (even with the right password) until the window "
        "passes. Other addresses are not locked out.",
    )
    login_max_failures_per_address: int = Field(
        default=30, ge=1, description="Failed sign-ins allowed per client address within the login window."
    )
    login_window_minutes: int = Field(default=15, ge=1, description="Length of the failed sign-in window.")
    login_account_slowdown_after: int = Field(
        default=10,
        ge=0,
        description="Failed sign-ins to one account from all addresses within the login window after which "
        "sign-ins to it are slowed down: one every 1, 2, 4, ... seconds (never locked for everyone).",
    )
    login_account_slowdown_max_seconds: int = Field(
        default=60, ge=1, le=3600, description="The longest wait between two sign-ins to a slowed-down account."
    )
    max_json_bytes: int = Field(default=2_000_000, description="Largest JSON request body accepted.")
    max_csv_bytes: int = Field(default=20_000_000, description="Largest CSV upload accepted.")
    sync_max_ops: int = Field(default=2000, description="Most operations one push batch may carry.")
    sync_max_body_bytes: int = Field(default=8_000_000, description="Largest push body accepted.")
    sync_pull_page_max: int = Field(default=2000, description="Most changes one pull page may carry.")
    blob_chunk_bytes: int = Field(default=1_048_576, description="Largest blob chunk accepted in one request.")
    max_blob_bytes: int = Field(default=25_000_000, description="Largest recording or other blob accepted.")
    max_photo_bytes: int = Field(
        default=10_000_000, description="Largest photo accepted (the app sends them at most 1600 px, ~300 KB)."
    )
    blob_keep_days: int = Field(
        default=7,
        ge=0,
        description="Days a phone keeps a photo or recording after the server confirmed it (then it is read from "
        "the server); one not yet uploaded is never deleted. Phones learn it at sign-in.",
    )
    blob_store: Literal["disk", "s3"] = Field(
        default="disk",
        description="Where photos and recordings live: disk (<data_dir>/blobs, one machine) or s3 (any "
        "S3-compatible object storage: AWS S3, MinIO, Ceph RGW, Alibaba OSS; every server machine shares it).",
    )
    s3_bucket: str = Field(default="", description="The bucket (blob_store=s3); it must exist.")
    s3_endpoint_url: str = Field(
        default="", description="The service's URL, e.g. http://minio:9000 (empty: AWS S3 in s3_region)."
    )
    s3_region: str = Field(default="", description="The bucket's region (e.g. cn-north-1, oss-cn-hangzhou).")
    s3_access_key_id: str = Field(
        default="", description="Empty: boto3's usual chain (AWS_ACCESS_KEY_ID, instance role, ~/.aws)."
    )
    s3_secret_access_key: str = Field(default="", description="Goes with s3_access_key_id.")
    s3_prefix: str = Field(default="", description="A key prefix inside the bucket, e.g. fieldvisit/.")
    s3_addressing_style: Literal["auto", "path", "virtual"] = Field(
        default="auto", description="path for MinIO and Ceph behind one host name; virtual for Alibaba OSS."
    )
    s3_part_bytes: int = Field(
        default=5 * 1024 * 1024,
        ge=64 * 1024,
        description="A resumable upload's chunks are gathered into multipart parts of this size (AWS S3 wants "
        "at least 5 MiB for every part but the last).",
    )
    blob_cache_dir: Path | None = Field(
        default=None,
        description="Local copies of stored blobs for thumbnails, OCR and transcription (blob_store=s3); "
        "empty means <data_dir>/blob-cache. Safe to delete at any time.",
    )
    speech_models_dir: Path | None = Field(
        default=None,
        description="Vosk models, one sub-folder per language code (en, zh). Empty means <data_dir>/models/speech; "
        "`fieldvisit speech-models en zh` downloads the small published models there.",
    )
    ocr_receipt_engine: Literal["rapidocr", "tesseract"] = Field(
        default="rapidocr",
        description="OCR engine for receipts: rapidocr (PP-OCR, measured far better on real receipts: "
        "bench/ocr_receipts.py) or tesseract.",
    )
    ocr_watermark_engine: Literal["rapidocr", "tesseract"] = Field(
        default="rapidocr",
        description="OCR engine for the time and place band printed on photos. bench/ocr_watermarks.py on 24 "
        "generated photos: rapidocr time 100 %, store 100 %; tesseract time 83 %, store 88 %.",
    )
    currency: str = Field(
        default="CNY",
        pattern=r"^[A-Z]{3}$",
        description="The distributor's currency (ISO 4217): a receipt read in another (RM, $) is flagged "
        "currency_mismatch for finance.",
    )
    ocr_read_signs: bool = Field(
        default=True,
        description="Read the shop sign on check-in and claim photos (RapidOCR) and flag sign_mismatch when it "
        "names another of the rep's or nearby stores.",
    )
    speech_max_seconds: float = Field(default=300.0, description="Longest voice note transcribed, in seconds.")
    jobs_embedded: bool = Field(
        default=True,
        description="Run the durable job worker (OCR, transcription) inside the web server. Set false when "
        "`fieldvisit worker` processes run beside it.",
    )
    jobs_poll_seconds: float = Field(default=2.0, description="How often an idle job worker looks for work.")
    clock: datetime | None = Field(
        default=None,
        description="Start the server's clock at this moment (ISO 8601 with a zone, e.g. "
        "2026-11-25T10:00:00+08:00) instead of the machine's; it runs on from there. For tests and demos.",
    )
    timezone: str = Field(
        default="Asia/Shanghai",
        description="The business's local time zone: photo watermarks and claim dates are read in it.",
    )
    ontime_note_hours: int = Field(
        default=24,
        ge=1,
        le=24 * 14,
        description="A visit note is on time when written within this many hours of arriving.",
    )
    ontime_claim_hours: int = Field(
        default=48, ge=1, le=24 * 30, description="A claim is on time when filed within this many hours of the visit."
    )
    effective_min_minutes: int = Field(
        default=5,
        ge=0,
        le=240,
        description="An effective visit lasts at least this many minutes from arrival to check-out (and is "
        "checked out, inside the geofence or approved).",
    )
    alert_overdue_cycles: int = Field(
        default=2, ge=1, le=20, description="Alert when a store has missed this many planned visits in a row."
    )
    alert_confirm_by: str = Field(
        default="20:00",
        pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
        description="Local time after which a rep with visits today and no confirmation is an alert.",
    )
    alert_claim_hours: int = Field(
        default=48, ge=1, le=24 * 60, description="Alert when a read claim has waited this long for finance."
    )
    alert_pool_left: float = Field(
        default=0.1, gt=0, lt=1, description="Alert when an open budget pool has less than this share left."
    )
    sell_through_days: int = Field(
        default=90,
        ge=7,
        le=365,
        description="A new product sold through at a store when it sold within this many days of being placed there.",
    )
    sell_through_target: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="The sell-through a launch should reach when its SKU names no target "
        "of its own; below it is an alert once the launch's first window has closed.",
    )
    potential_top_share: float = Field(
        default=0.2, gt=0, lt=1, description="The share of stores the store-potential model marks for trial samples."
    )
    ontime_healthy: float = Field(
        default=0.92, gt=0, le=1, description="The on-time rate of key actions the dashboard calls healthy."
    )
    pwa_dir: Path = Field(
        default=Path(__file__).resolve().parent.parent / "pwa",
        description="Folder of the progressive web app's static files.",
    )

    @field_validator("clock")
    @classmethod
    def _aware_clock(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("the clock needs a time zone, e.g. 2026-11-25T10:00:00+08:00")
        return value

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> Settings:
        if self.blob_store == "s3" and not self.s3_bucket:
            raise ValueError("blob_store=s3 needs FIELDVISIT_S3_BUCKET (an existing bucket)")
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Shanghai)") from None
        return value

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'fieldvisit.db').resolve()}"

    def resolved_speech_models_dir(self) -> Path:
        return self.speech_models_dir or self.data_dir / "models" / "speech"

    def resolved_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
