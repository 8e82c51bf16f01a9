"""Visit templates as data: ordered steps with typed fields, points, and the pure rules that
say whether a step's answers are complete and what a visit scores. No I/O here."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from server.stores.models import Channel

# facings, stock and materials are {code: count}: facings and stock per own SKU, materials per POSM item
FieldType = Literal["photos", "yesno", "number", "facings", "stock", "barcodes", "materials", "choice", "text"]
KEY = r"^[a-z][a-z0-9_]{0,31}$"

EXCEPTION_REASONS = ("store_closed", "owner_refused", "strategic_customer", "no_stock_delivered", "safety", "other")


class TemplateField(BaseModel):
    key: str = Field(pattern=KEY)
    type: FieldType
    label: str = Field(min_length=1, max_length=60)
    label_en: str = Field(default="", max_length=60)
    required: bool = True
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=1)
    options: list[str] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _consistent(self) -> TemplateField:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"{self.key}: min is above max")
        if self.type == "choice" and not self.options:
            raise ValueError(f"{self.key}: a choice needs options")
        return self


class TemplateStep(BaseModel):
    key: str = Field(pattern=KEY)
    name: str = Field(min_length=1, max_length=40)
    name_en: str = Field(default="", max_length=40)
    points: int = Field(default=0, ge=0, le=1000)
    optional: bool = False
    fields: list[TemplateField] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _unique_fields(self) -> TemplateStep:
        keys = [f.key for f in self.fields]
        if len(keys) != len(set(keys)):
            raise ValueError(f"step {self.key}: field keys repeat")
        return self


class TemplateSpec(BaseModel):
    """What an admin edits; saving it makes a new version."""

    code: str = Field(pattern=KEY)
    name: str = Field(min_length=1, max_length=60)
    name_en: str = Field(default="", max_length=60)
    channels: list[Channel] = Field(default_factory=list)
    steps: list[TemplateStep] = Field(min_length=1, max_length=12)

    @model_validator(mode="after")
    def _unique_steps(self) -> TemplateSpec:
        keys = [s.key for s in self.steps]
        if len(keys) != len(set(keys)):
            raise ValueError("step keys repeat")
        return self

    def step(self, key: str) -> TemplateStep | None:
        return next((s for s in self.steps if s.key == key), None)

    def keys(self) -> list[str]:
        return [s.key for s in self.steps]


def _count(value: Any) -> int:
    return len(value) if isinstance(value, list | dict) else 0


def missing(step: TemplateStep, answers: dict[str, Any]) -> list[str]:
    """Labels of the required fields not yet filled well enough to complete the step."""
    out = []
    for f in step.fields:
        value = answers.get(f.key)
        if value is None or value == "" or value == [] or value == {}:
            if f.required:
                out.append(f.key)
            continue
        ok = True
        if f.type == "photos" or f.type == "barcodes":
            n = _count(value)
            ok = isinstance(value, list) and n >= (f.min or 1) and (f.max is None or n <= f.max)
        elif f.type == "yesno":
            ok = isinstance(value, bool)
        elif f.type == "number":
            ok = isinstance(value, int | float) and not isinstance(value, bool) and (f.min is None or value >= f.min)
        elif f.type in ("facings", "stock", "materials"):
            ok = isinstance(value, dict) and all(
                isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value.values()
            )
            ok = ok and (not f.required or any(v > 0 for v in value.values()))
        elif f.type == "choice":
            ok = value in f.options
        elif f.type == "text":
            ok = isinstance(value, str) and bool(value.strip())
        if not ok:
            out.append(f.key)
    return out


def score(spec: TemplateSpec, statuses: dict[str, str]) -> int:
    """Points of the steps done (an exception earns none)."""
    return sum(s.points for s in spec.steps if statuses.get(s.key) == "done")


def _f(key: str, type_: FieldType, label: str, label_en: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "type": type_, "label": label, "label_en": label_en, **extra}


DISPLAY = {
    "key": "display",
    "name": "陈列检查",
    "name_en": "Display check",
    "points": 30,
    "fields": [
        _f("shelf_photos", "photos", "冰柜/货架照片", "Cooler / shelf photos", min=1, max=4),
        _f("facings", "facings", "本品排面数", "Own SKU facings"),
        _f("cooler_clean", "yesno", "冰柜干净", "Cooler clean"),
        _f("own_only", "yesno", "冰柜只放本品", "Only own products in own cooler"),
        _f("price_tags", "yesno", "价签齐全", "Price tags present"),
        _f("out_of_stock", "facings", "缺货SKU", "Out-of-stock SKUs", required=False),
        # shelf and back-room units per own SKU, after today's delivery: distribution and
        # sell-through are read from consecutive counts (server/insights/stock.py)
        _f("stock", "stock", "本品库存（货架+库房）", "Own SKU stock (shelf + back room)", required=False),
    ],
}
COMPETITORS = {
    "key": "competitors",
    "name": "竞品扫描",
    "name_en": "Competitor scan",
    "points": 25,
    "fields": [
        _f("scans", "barcodes", "竞品条码", "Competitor barcodes", min=1),
        _f("shelf_price", "number", "货架价格", "Shelf price", min=0, required=False),
        _f("promotion_seen", "yesno", "发现促销", "Promotion seen"),
        _f("competitor_facings", "number", "竞品排面数", "Competitor facings", min=0, required=False),
    ],
}
MATERIALS = {
    "key": "materials",
    "name": "物料",
    "name_en": "Materials",
    "points": 20,
    "fields": [
        _f("placed", "materials", "已投放物料", "POSM placed"),
        _f("placement_photos", "photos", "投放照片", "Placement photo", min=1, max=3),
    ],
}
CHECKIN = {
    "key": "checkin",
    "name": "照片打卡",
    "name_en": "Photo check-in",
    "points": 25,
    "fields": [_f("storefront", "photos", "门头照片", "Storefront photo", min=1, max=1)],
}
INTERVIEW = {
    "key": "owner_interview",
    "name": "老板访谈",
    "name_en": "Owner needs interview",
    "points": 15,
    "fields": [
        _f("needs", "text", "老板需求", "Owner's needs"),
        _f("reorder_intent", "choice", "补货意向", "Reorder intent", options=["high", "medium", "low"]),
    ],
}

DEFAULT_TEMPLATES = (
    TemplateSpec.model_validate(
        {
            "code": "standard",
            "name": "标准巡店",
            "name_en": "Standard visit",
            "channels": ["supermarket", "convenience", "restaurant", "other"],
            "steps": [DISPLAY, COMPETITORS, MATERIALS, CHECKIN],
        }
    ),
    TemplateSpec.model_validate(
        {
            "code": "liquor",
            "name": "烟酒店巡店",
            "name_en": "Liquor shop visit",
            "channels": ["tobacco_liquor"],
            "steps": [DISPLAY, COMPETITORS, INTERVIEW, MATERIALS, CHECKIN],
        }
    ),
)
