"""The demo distributor (DESIGN.md §5): a Sichuan beverage and liquor distributor.

43 reps in 3 regions, each region a team with its supervisor; a finance user and
an admin; 2,800 outlets clustered around each rep's territory with believable
Chinese names, addresses and channels; own SKUs, competitor SKUs with valid
EAN-13 barcodes, POSM materials and two promotions with budget pools.  Deterministic
for a given seed.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta, timezone

from sqlalchemy import insert
from sqlmodel import Session, select

from server.accounts.models import Region, Role, Team, User
from server.accounts.passwords import hash_password
from server.catalog.models import CompetitorSku, Material, MaterialAllocation, Sku
from server.claims.models import BudgetPool, Promotion
from server.db import session_scope, utcnow
from server.demo.activity import seed_activity
from server.demo.history import seed_history
from server.demo.season import seed_season
from server.domains import publish_all
from server.insights import rep_alerts
from server.insights.ranking import retrain_now
from server.settings import Settings
from server.stores.models import Channel, Store
from server.visits.service import ensure_default_templates
from sync.ids import uuid7

DEMO_PASSWORD = "fieldvisit"
CHINA = timezone(timedelta(hours=8))
# A rep's monthly POSM allocation.
ALLOCATION = {
    "POSM-001": 20,
    "POSM-002": 40,
    "POSM-003": 40,
    "POSM-004": 15,
    "POSM-005": 2,
    "POSM-006": 10,
    "POSM-007": 5,
    "POSM-008": 0,  # trial samples come from the potential ranking (server/insights/ranking.py)
}
STORE_COUNT = 2800


@dataclass(frozen=True)
class City:
    code: str
    name: str
    name_en: str
    lat: float
    lng: float
    reps: int
    districts: tuple[str, ...]


CITIES = (
    City("CD", "成都", "Chengdu", 30.6598, 104.0657, 15, ("锦江区", "青羊区", "金牛区", "武侯区", "成华区", "高新区")),
    City("MY", "绵阳", "Mianyang", 31.4675, 104.6796, 14, ("涪城区", "游仙区", "安州区")),
    City("DY", "德阳", "Deyang", 31.1270, 104.3980, 14, ("旌阳区", "罗江区", "广汉市")),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "强",
    "洋",
    "勇",
    "军",
    "杰",
    "涛",
    "明",
    "超",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "小红",
    "海燕",
    "志强",
    "晓东",
    "丽娟",
    "国庆",
    "春梅",
    "文杰",
    "思远",
    "宇航",
    "佳怡",
)
STREETS = (
    "人民路",
    "建设路",
    "解放路",
    "中山路",
    "春熙路",
    "红星路",
    "东大街",
    "西大街",
    "光华大道",
    "天府大道",
    "长顺街",
    "文化路",
    "和平路",
    "新华路",
    "滨江路",
    "临江路",
    "顺城街",
    "玉林路",
    "芳草街",
    "青年路",
    "府河路",
    "交大路",
    "双林路",
    "一环路",
    "营门口路",
    "龙泉街",
    "科华路",
    "紫荆路",
    "沙湾路",
    "抚琴路",
)
NAME_WORDS = (
    "好又多",
    "红旗",
    "舞东风",
    "互惠",
    "万家",
    "佳佳",
    "老王",
    "张姐",
    "李记",
    "川味",
    "蜀香",
    "兴隆",
    "金牛",
    "锦江",
    "盛世",
    "福满多",
    "天天",
    "便民",
    "利民",
    "惠民",
    "鸿运",
    "顺发",
    "平安",
    "阳光",
    "幸福",
    "邻里",
    "优选",
    "家家乐",
    "益民",
    "吉祥",
    "大众",
    "兄弟",
    "新一佳",
    "春天",
    "和记",
    "聚源",
)
CHANNEL_SUFFIXES = {
    Channel.supermarket: ("超市", "生活超市", "购物广场", "量贩"),
    Channel.convenience: ("便利店", "便民店", "小卖部", "副食店"),
    Channel.restaurant: ("火锅", "小炒", "面馆", "串串香", "酒楼", "中餐馆"),
    Channel.tobacco_liquor: ("烟酒店", "名烟名酒", "烟酒行", "酒坊"),
}
CHANNEL_WEIGHTS = {Channel.convenience: 40, Channel.tobacco_liquor: 25, Channel.restaurant: 20, Channel.supermarket: 15}
OWN_SKUS = (
    ("LIQ-001", "蜀源 酱香型白酒 53度 500ml", "Shuyuan sauce-aroma baijiu 53% 500ml", "liquor"),
    ("LIQ-002", "蜀源 浓香型白酒 52度 500ml", "Shuyuan strong-aroma baijiu 52% 500ml", "liquor"),
    ("LIQ-003", "蜀源 光瓶酒 42度 250ml", "Shuyuan plain-bottle baijiu 42% 250ml", "liquor"),
    ("LIQ-004", "蜀源 礼盒装 2×500ml", "Shuyuan gift box 2×500ml", "liquor"),
    ("BEV-001", "清泉 天然矿泉水 550ml", "Qingquan mineral water 550ml", "water"),
    ("BEV-002", "清泉 柠檬茶 500ml", "Qingquan lemon tea 500ml", "tea"),
    ("BEV-003", "清泉 凉茶 310ml 罐装", "Qingquan herbal tea 310ml can", "tea"),
    ("BEV-004", "清泉 苏打水 400ml", "Qingquan soda water 400ml", "water"),
    ("BEV-005", "清泉 能量饮料 250ml", "Qingquan energy drink 250ml", "energy"),
    ("BEV-006", "清泉 鲜橙汁 1L", "Qingquan orange juice 1L", "juice"),
    ("BEV-007", "清泉 无糖绿茶 500ml", "Qingquan sugar-free green tea 500ml", "tea"),
    ("BEV-008", "清泉 新品 气泡果汁 330ml", "Qingquan new sparkling juice 330ml", "juice"),
    ("BEV-009", "清泉 新品 椰子水 330ml", "Qingquan new coconut water 330ml", "juice"),
)
COMPETITORS = (
    (
        "峨眉雪",
        "Emeixue",
        (
            ("矿泉水 550ml", "mineral water 550ml", "water"),
            ("柠檬茶 500ml", "lemon tea 500ml", "tea"),
            ("橙汁 1L", "orange juice 1L", "juice"),
        ),
    ),
    (
        "蓉城",
        "Rongcheng",
        (
            ("可乐 330ml", "cola 330ml", "soda"),
            ("雪碧型汽水 500ml", "lemon-lime soda 500ml", "soda"),
            ("凉茶 310ml", "herbal tea 310ml", "tea"),
        ),
    ),
    (
        "熊猫",
        "Panda",
        (
            ("冰红茶 500ml", "iced black tea 500ml", "tea"),
            ("绿茶 500ml", "green tea 500ml", "tea"),
            ("能量饮料 250ml", "energy drink 250ml", "energy"),
        ),
    ),
    (
        "锦城大曲",
        "Jincheng Daqu",
        (
            ("浓香型 52度 500ml", "strong-aroma 52% 500ml", "liquor"),
            ("光瓶 42度 250ml", "plain bottle 42% 250ml", "liquor"),
        ),
    ),
    (
        "天府春",
        "Tianfuchun",
        (("酱香型 53度 500ml", "sauce-aroma 53% 500ml", "liquor"), ("礼盒 2×500ml", "gift box 2×500ml", "liquor")),
    ),
    (
        "金竹",
        "Jinzhu",
        (("苏打水 400ml", "soda water 400ml", "water"), ("鲜橙多 450ml", "orange drink 450ml", "juice")),
    ),
    (
        "巴蜀坊",
        "Bashufang",
        (("小酒 100ml", "baijiu miniature 100ml", "liquor"), ("清香型 45度 500ml", "light-aroma 45% 500ml", "liquor")),
    ),
)
MATERIALS = (
    ("POSM-001", "海报 A2", "Poster A2", "pcs"),
    ("POSM-002", "货架插卡", "Shelf talker", "pcs"),
    ("POSM-003", "价格牌", "Price card", "pcs"),
    ("POSM-004", "冰箱贴", "Fridge sticker", "pcs"),
    ("POSM-005", "堆头围板", "Floor display wrap", "set"),
    ("POSM-006", "餐桌台卡", "Table tent", "pcs"),
    ("POSM-007", "吊旗", "Hanging flag", "string"),
    ("POSM-008", "试饮装", "Trial sample pack", "pack"),  # sent to the store-potential model's top stores
)


def ean13(prefix_and_body: str) -> str:
    """Append the EAN-13 check digit to 12 digits."""
    digits = [int(c) for c in prefix_and_body]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return prefix_and_body + str((10 - total % 10) % 10)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _offset(lat: float, lng: float, north_m: float, east_m: float) -> tuple[float, float]:
    return (lat + north_m / 111_320.0, lng + east_m / (111_320.0 * math.cos(math.radians(lat))))


def _cycle(rng: random.Random, index: int, channel: Channel) -> dict[str, object]:
    """A believable visit cycle: one or two weekdays (Mon–Sat), restaurants often every other
    week; about 15–20 stores per rep per day."""
    days = {index % 6 + 1}
    if rng.random() < 0.9:
        days.add((index + 3) % 6 + 1)
    weeks = 2 if channel is Channel.restaurant and rng.random() < 0.3 else 1
    return {
        "visit_days": ",".join(str(d) for d in sorted(days)),
        "cycle_weeks": weeks,
        "cycle_anchor": "2026-01-05",
        "route_order": None,
    }


def demo_logins() -> list[tuple[str, str, str]]:
    """The demo's accounts, as seeded (all share one password)."""
    total = sum(c.reps for c in CITIES)
    sups = [(f"supervisor ({c.name_en})", f"sup-{c.code.lower()}", DEMO_PASSWORD) for c in CITIES]
    return [
        ("admin", "admin", DEMO_PASSWORD),
        ("finance", "finance", DEMO_PASSWORD),
        *sups,
        ("rep", "rep01", DEMO_PASSWORD),
        (f"(all {total} reps)", f"rep01…rep{total:02d}", DEMO_PASSWORD),
    ]


def seed_demo(settings: Settings, *, seed: int = 2026) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for every demo account keeps seeding fast
    now = utcnow()
    with session_scope(settings) as session:
        admin = User(
            username="admin", display_name="系统管理员 Admin", role=Role.admin.value, password_hash=password_hash
        )
        finance = User(
            username="finance",
            display_name=f"{_person(rng)}（财务）",
            role=Role.finance.value,
            password_hash=password_hash,
        )
        session.add_all([admin, finance])

        store_rows: list[dict[str, object]] = []
        regions: list[Region] = []
        rep_number = 0
        channels = list(CHANNEL_WEIGHTS)
        weights = list(CHANNEL_WEIGHTS.values())
        total_reps = sum(c.reps for c in CITIES)
        for city in CITIES:
            region = Region(code=city.code, name=f"{city.name}大区", name_en=f"{city.name_en} region")
            regions.append(region)
            team = Team(name=f"{city.name}团队", name_en=f"{city.name_en} team", region_id=region.id)
            sup_name = f"sup-{city.code.lower()}"
            supervisor = User(
                username=sup_name,
                display_name=f"{_person(rng)}（主管）",
                role=Role.supervisor.value,
                team_id=team.id,
                password_hash=password_hash,
            )
            session.add_all([region, team, supervisor])
            for _ in range(city.reps):
                rep_number += 1
                rep = User(
                    username=f"rep{rep_number:02d}",
                    display_name=_person(rng),
                    role=Role.rep.value,
                    team_id=team.id,
                    password_hash=password_hash,
                )
                session.add(rep)
                # Each rep covers a territory: a centre some km from downtown, stores within ~2 km of it.
                angle = rng.uniform(0, 2 * math.pi)
                radius = rng.uniform(500, 7000)
                centre = _offset(city.lat, city.lng, radius * math.sin(angle), radius * math.cos(angle))
                district = rng.choice(city.districts)
                count = STORE_COUNT // total_reps + (1 if rep_number <= STORE_COUNT % total_reps else 0)
                for j in range(count):
                    channel = rng.choices(channels, weights)[0]
                    street = rng.choice(STREETS)
                    name = f"{rng.choice(NAME_WORDS)}{rng.choice(CHANNEL_SUFFIXES[channel])}"
                    if rng.random() < 0.3:
                        name += f"（{street}店）"
                    lat, lng = _offset(*centre, rng.gauss(0, 900), rng.gauss(0, 900))
                    store_rows.append(
                        {
                            "id": uuid7(),
                            "code": f"{city.code}-{len(store_rows) + 1:05d}",
                            "name": name,
                            "address": f"{city.name}市{district}{street}{rng.randint(1, 480)}号",
                            "channel": channel.value,
                            "lat": round(lat, 6),
                            "lng": round(lng, 6),
                            "geofence_m": 150 if channel is not Channel.supermarket else 250,
                            "rep_id": rep.id,
                            "region_id": region.id,
                            "created_at": now,
                            "updated_at": now,
                            **_cycle(rng, j, channel),
                        }
                    )
        session.flush()
        session.execute(insert(Store), store_rows)

        for i, (code, name, name_en, category) in enumerate(OWN_SKUS):
            session.add(
                Sku(
                    code=code,
                    barcode=ean13(f"692{7000000 + i:07d}00"[:12]),
                    name=name,
                    name_en=name_en,
                    category=category,
                )
            )
        n = 0
        for brand, brand_en, products in COMPETITORS:
            for name, name_en, category in products:
                n += 1
                session.add(
                    CompetitorSku(
                        barcode=ean13(f"69{rng.randint(10, 59)}{rng.randint(0, 99999999):08d}"),
                        brand=brand,
                        name=f"{brand} {name}",
                        name_en=f"{brand_en} {name_en}",
                        category=category,
                    )
                )
        materials = [
            Material(code=code, name=name, name_en=name_en, unit=unit) for code, name, name_en, unit in MATERIALS
        ]
        session.add_all(materials)
        session.flush()
        month = now.astimezone(CHINA).strftime("%Y-%m")
        reps = session.exec(select(User).where(User.role == Role.rep.value)).all()
        session.add_all(
            MaterialAllocation(rep_id=r.id, material_id=m.id, period=month, quantity=ALLOCATION[m.code])
            for r in reps
            for m in materials
        )
        session.flush()
        _promotions(session, regions, now.astimezone(CHINA).date())
        ensure_default_templates(session)
        seed_history(session, settings, now)
        seed_season(session, now.astimezone(CHINA).date(), seed)
        session.flush()
        retrain_now(session, settings, now)  # the first ranking, so the dashboard has one on first start
        publish_all(session)
        seed_activity(session, settings, now)
        rep_alerts.evaluate(session, settings, now)  # this morning's route alerts, and tomorrow's run
        rep_alerts.schedule(session, settings, now)
    return demo_logins()


def _promotions(session: Session, regions: list[Region], today: date) -> None:
    """Two promotions around today: a winter display bonus for convenience stores and supermarkets
    with a pool per region, and a Spring Festival liquor-stack subsidy with one shared pool."""
    first = today.replace(day=1)
    start = (first - timedelta(days=1)).replace(day=1)  # the first of last month
    end = (first + timedelta(days=95)).replace(day=1) - timedelta(days=1)  # the end of the month after next
    display = Promotion(
        code="WINTER-DISPLAY",
        name="冬季暖饮陈列奖励",
        name_en="Winter hot-drinks display bonus",
        starts_on=start,
        ends_on=end,
    )
    stack = Promotion(
        code="CNY-BAIJIU",
        name="春节白酒堆头补贴",
        name_en="Spring Festival baijiu stack subsidy",
        starts_on=start,
        ends_on=end,
    )
    session.add_all([display, stack])
    session.flush()  # the pools refer to them
    for region in regions:
        session.add(
            BudgetPool(
                promotion_id=display.id,
                name=f"{region.name} 陈列奖励",
                name_en=f"{region.name_en} display bonus",
                starts_on=start,
                ends_on=end,
                region_id=region.id,
                channels=[Channel.convenience.value, Channel.supermarket.value],
                amount_cents=3_000_000,
            )
        )
    session.add(
        BudgetPool(
            promotion_id=stack.id,
            name="春节堆头 全省",
            name_en="Spring Festival stacks, all regions",
            starts_on=start,
            ends_on=end,
            channels=[Channel.tobacco_liquor.value, Channel.restaurant.value],
            amount_cents=5_000_000,
        )
    )
    session.flush()


def has_data(session: Session) -> bool:
    return session.exec(select(User.id).limit(1)).first() is not None


def seed_if_empty(settings: Settings, *, seed: int = 2026) -> list[tuple[str, str, str]] | None:
    with session_scope(settings) as session:
        if has_data(session):
            return None
    return seed_demo(settings, seed=seed)
