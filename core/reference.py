"""Reference data: the 47 prefectures (JIS X 0401) read once from `core/data/prefectures.csv`.

Held in memory as immutable tuples so that looking up a label costs no query.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from core.enums import (  # noqa: F401 - re-exported
    NOT_ANSWERED,
    SELF_SELECTABLE_SECTORS,
    AgeBand,
    Audience,
    DeliveryType,
    SchoolGrade,
    Sector,
    Sex,
)

DATA_FILE = Path(__file__).resolve().parent / "data" / "prefectures.csv"
TOTAL_POPULATION_2020 = 126_146_099
# The code stored when a learner chose 回答しない for prefecture.
PREFECTURE_NOT_ANSWERED = "00"


@dataclass(frozen=True)
class Prefecture:
    code: str
    name_ja: str
    kana: str
    romaji: str
    region_ja: str
    region_en: str
    lg_code: str
    population_2020: int

    @property
    def name_en(self) -> str:
        return self.romaji.capitalize()


def _load() -> tuple[Prefecture, ...]:
    with DATA_FILE.open(encoding="utf-8") as handle:
        rows = [
            Prefecture(
                code=row["jis_code"],
                name_ja=row["name_ja"],
                kana=row["kana"],
                romaji=row["romaji"],
                region_ja=row["region_ja"],
                region_en=row["region_en"],
                lg_code=row["lg_code"],
                population_2020=int(row["population_2020"]),
            )
            for row in csv.DictReader(handle)
        ]
    if len(rows) != 47 or sum(p.population_2020 for p in rows) != TOTAL_POPULATION_2020:
        raise ValueError("prefectures.csv must hold the 47 prefectures and the 2020 census total")
    return tuple(rows)


PREFECTURES: tuple[Prefecture, ...] = _load()
PREFECTURES_BY_CODE: dict[str, Prefecture] = {p.code: p for p in PREFECTURES}
PREFECTURE_CHOICES: list[tuple[str, str]] = [(p.code, p.name_ja) for p in PREFECTURES]
PREFECTURE_CHOICES_WITH_NO_ANSWER: list[tuple[str, str]] = [
    *PREFECTURE_CHOICES,
    (PREFECTURE_NOT_ANSWERED, _("回答しない")),
]


def prefecture_label(code: str) -> str:
    if code == PREFECTURE_NOT_ANSWERED:
        return str(_("回答しない"))
    prefecture = PREFECTURES_BY_CODE.get(code)
    return prefecture.name_ja if prefecture else ""


def is_valid_prefecture(code: str, allow_no_answer: bool = True) -> bool:
    return code in PREFECTURES_BY_CODE or (allow_no_answer and code == PREFECTURE_NOT_ANSWERED)


def choices_out(enum) -> list[dict[str, str]]:
    return [{"code": value, "label_ja": str(label)} for value, label in enum.choices]
