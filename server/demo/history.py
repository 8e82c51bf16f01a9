"""Three weeks of the demo distributor's past work, so the supervisor's dashboard and queue have
believable figures on the first start: visits along each rep's route (most planned stores
visited, a few missed), their steps and flags, notes and claims with their timing, the reps'
end-of-day confirmations, and the supervisors' decisions.

The history goes into the review and reporting tables only, as if imported from the
distributor's previous system: phones do not pull weeks of old visits on their first sign-in.
The last working day is still waiting for review, with check-in photos (and the previous
photo of each of those stores), so the queue has real pictures to show.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from server.accounts.models import Role, User
from server.demo.photos import storefront_photo
from server.replication.models import BlobHolder, BlobMeta
from server.replication.service import blob_store
from server.review.dashboard import planned_on
from server.review.models import DayConfirmation, KeyAction, VisitReview, flag_bits
from server.settings import Settings
from server.stores.models import Store
from sync.ids import uuid7

DAYS = 21
CHINA = timedelta(hours=8)
STEPS = {"tobacco_liquor": 5}  # the liquor template adds the owner interview
REJECT_FOR = {
    "outside_geofence": "not_at_store",
    "recycled_photo": "recycled_photo",
    "watermark_time_mismatch": "watermark_wrong",
    "blurred": "photo_unclear",
    "dark": "photo_unclear",
    "exception_taken": "steps_incomplete",
}


def _flags(rng: random.Random, care: float, excepted: int) -> list[str]:
    sloppy = 1 - care
    odds = {
        "outside_geofence": 0.02 + sloppy * 0.6,
        "location_missing": 0.008,
        "watermark_time_mismatch": 0.01 + sloppy * 0.1,
        "blurred": 0.02,
        "dark": 0.01,
        "recycled_photo": 0.002 + sloppy * 0.05,
    }
    flags = [name for name, p in odds.items() if rng.random() < p]
    return [*flags, "exception_taken"] if excepted else flags


def seed_history(session: Session, settings: Settings, now: datetime, seed: int = 2026) -> dict[str, int]:
    rng = random.Random(seed)
    stays = random.Random(seed + 1)  # time on site: its own stream, so the rest of the history stays as it was
    today = (now + CHINA).date()
    days = [today - timedelta(days=i) for i in range(DAYS, 0, -1)]
    days = [d for d in days if d.isoweekday() != 7]
    pending_day = days[-1]
    reps = list(session.exec(select(User).where(User.role == Role.rep.value).order_by(User.username)))
    supervisors = {
        u.team_id: u.id for u in session.exec(select(User).where(User.role == Role.supervisor.value)) if u.team_id
    }
    stores_of: dict[str, list[Store]] = {}
    for store in session.exec(select(Store).where(col(Store.rep_id).is_not(None)).order_by(Store.code)):
        stores_of.setdefault(store.rep_id or "", []).append(store)

    reviews: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    confirmations: list[dict[str, Any]] = []
    photo_jobs: list[tuple[dict[str, Any], Store, User]] = []
    last_visit: dict[str, dict[str, Any]] = {}
    for rep in reps:
        care = rng.choice([0.99, 0.98, 0.97, 0.97, 0.96, 0.95, 0.93, 0.88])  # most reps careful, a few not
        for day in days:
            planned = [
                s for s in stores_of.get(rep.id, []) if planned_on(s.visit_days, s.cycle_weeks, s.cycle_anchor, day)
            ]
            if not planned or rng.random() < 0.02:  # a day off
                continue
            route = [s for s in planned if rng.random() < care + 0.01]
            if rng.random() < 0.15:  # a store off the route
                route.append(rng.choice(stores_of[rep.id]))
            start = datetime(day.year, day.month, day.day, 9, rng.randint(0, 30), tzinfo=UTC) - CHINA
            steps_done = excepted_total = notes = claims = 0
            for i, store in enumerate(route):
                arrived = start + timedelta(minutes=24 * i + rng.randint(0, 8))
                n_steps = STEPS.get(store.channel, 4)
                excepted = sum(1 for _ in range(n_steps) if rng.random() < (1 - care) * 0.5)
                flags = _flags(rng, care, excepted)
                visit_id = uuid7()
                status, reason, decided_at = "pending", None, None
                if day < pending_day:
                    wrong = [f for f in flags if f in REJECT_FOR]
                    if wrong and rng.random() < 0.35:
                        status, reason = "rejected", REJECT_FOR[wrong[0]]
                    else:
                        status = "approved"
                    decided_at = arrived + timedelta(days=1, hours=rng.randint(0, 6))
                row: dict[str, Any] = {
                    "visit_id": visit_id,
                    "store_id": store.id,
                    "rep_id": rep.id,
                    "team_id": rep.team_id,
                    "day": day,
                    "arrived_at": arrived,
                    # a careless rep's visit is now and then a minute at the door, not an effective visit;
                    # the last day's are still open on the server (its check-outs not yet synced)
                    "checked_out_at": None
                    if day == pending_day
                    else arrived
                    + timedelta(
                        minutes=stays.randint(1, 4) if stays.random() < (1 - care) * 1.5 else stays.randint(7, 19)
                    ),
                    "received_at": arrived + timedelta(minutes=rng.randint(1, 240)),
                    "planned": store in planned,
                    "photo": None,
                    "capture": None,
                    "flags": flags,
                    "flag_bits": flag_bits(flags),
                    "inspected": True,
                    "steps_done": n_steps - excepted,
                    "steps_excepted": excepted,
                    "status": status,
                    "reason": reason,
                    "comment": None,
                    "decided_by": supervisors.get(rep.team_id or "") if decided_at else None,
                    "decided_at": decided_at,
                }
                reviews.append(row)
                if day == pending_day:
                    photo_jobs.append((row, store, rep))
                    previous = last_visit.get(store.id)
                    if previous is not None:
                        photo_jobs.append((previous, store, rep))
                last_visit[store.id] = row
                steps_done += n_steps - excepted
                excepted_total += excepted
                base = {"rep_id": rep.id, "team_id": rep.team_id, "visit_id": visit_id, "day": day}
                for s in range(n_steps):
                    actions.append(
                        {**base, "record_id": uuid7(), "kind": "step", "done": s >= excepted, "lag_minutes": None}
                    )
                for kind, p, late_p in (("note", 0.35, (1 - care) * 2), ("claim", 0.04, (1 - care) * 2)):
                    if rng.random() < p:
                        late = rng.random() < late_p
                        window = 24 * 60 if kind == "note" else 48 * 60
                        lag = rng.randint(window + 60, window * 3) if late else rng.randint(2, window // 3)
                        actions.append({**base, "record_id": uuid7(), "kind": kind, "done": True, "lag_minutes": lag})
                        notes += kind == "note"
                        claims += kind == "claim"
            if route and rng.random() < care - 0.03:
                confirmations.append(
                    {
                        "id": uuid7(),
                        "rep_id": rep.id,
                        "team_id": rep.team_id,
                        "day": day,
                        "confirmed_at": f"{day.isoformat()}T18:{rng.randint(0, 59):02d}:00+08:00",
                        "received_at": start + timedelta(hours=9, minutes=rng.randint(30, 120)),
                        "summary": {
                            "planned": len(planned),
                            "visited": len(route),
                            "missed": len([s for s in planned if s not in route]),
                            "steps_done": steps_done,
                            "exceptions": excepted_total,
                            "photos": len(route) * 4,
                            "notes": notes,
                            "claims": claims,
                            "unsynced": 0,
                        },
                    }
                )

    blobs = blob_store(settings)
    metas: list[dict[str, Any]] = []
    holders: list[dict[str, Any]] = []
    seen: set[str] = set()
    for row, store, rep in photo_jobs:
        if row["visit_id"] in seen:
            continue
        seen.add(row["visit_id"])
        local = row["arrived_at"] + CHINA + timedelta(minutes=18)
        data = storefront_photo(
            store.name, local.replace(tzinfo=None), store.lat or 0, store.lng or 0, rep.display_name, len(seen)
        )
        sha = hashlib.sha256(data).hexdigest()
        blobs.append(sha, 0, data, total=len(data))
        metas.append(
            {"sha256": sha, "size": len(data), "content_type": "image/jpeg", "uploaded_by": rep.id, "created_at": now}
        )
        holders.append({"sha256": sha, "user_id": rep.id, "created_at": now})
        row["photo"] = sha
        row["capture"] = {
            "at": (row["arrived_at"] + timedelta(minutes=18)).isoformat(),
            "width": 640,
            "height": 480,
            "server": {"watermark": {"place": store.name, "taken_at": local.isoformat(timespec="seconds")[:19]}},
        }
    for model, rows in (
        (VisitReview, reviews),
        (KeyAction, actions),
        (DayConfirmation, confirmations),
        (BlobMeta, metas),
        (BlobHolder, holders),
    ):
        if rows:
            session.execute(insert(model.__table__), rows)  # type: ignore[union-attr]
    return {
        "visits": len(reviews),
        "key_actions": len(actions),
        "confirmations": len(confirmations),
        "photos": len(metas),
    }
