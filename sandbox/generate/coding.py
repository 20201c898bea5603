"""Sage cost-code masks, the company's standard cost codes and categories, and the
translation rules the dbt models implement (README.md "Mapping truth").

A mask such as `xx-xx-xx` is what Sage keeps in TS_CTL_RECORD_3 (FLDCODE 18): one
section per run of `x`, each with a length and the separator that follows it. The
standard list is built from CSI divisions as six digits (division, section, item)
and cut into the mask's sections, so any 2- or 3-tier mask gets a valid list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DELIMITERS = "-._/ "


@dataclass(frozen=True)
class Mask:
    """A Sage field mask: section lengths and one separator between sections."""

    lengths: tuple[int, ...]
    separator: str

    @classmethod
    def parse(cls, text: str) -> Mask:
        """`"xx-xx-xx"` → Mask((2, 2, 2), "-"). Sections are runs of x; one separator."""
        parts = re.split(r"([^xX]+)", text.strip())
        sections = [p for p in parts[::2]]
        seps = set(parts[1::2])
        if (
            not 2 <= len(sections) <= 4
            or any(not s for s in sections)
            or len(seps) != 1
            or len(next(iter(seps))) != 1
            or next(iter(seps)) not in "-."
        ):
            raise ValueError(
                f"cost code mask {text!r}: write 2 to 4 runs of x joined by one '-' or '.', "
                "e.g. xx-xxx, xx-xx-xx or xxx.xx"
            )
        return cls(tuple(len(s) for s in sections), next(iter(seps)))

    @property
    def pattern(self) -> str:
        return self.separator.join("x" * n for n in self.lengths)

    @property
    def width(self) -> int:
        """Characters of a full code including separators."""
        return sum(self.lengths) + len(self.lengths) - 1

    @property
    def digits(self) -> int:
        return sum(self.lengths)

    def cut(self, digits: str) -> str:
        """Cut a digit string into the mask's sections (pads/truncates to fit)."""
        digits = digits.ljust(self.digits, "0")[: self.digits]
        out, pos = [], 0
        for n in self.lengths:
            out.append(digits[pos : pos + n])
            pos += n
        return self.separator.join(out)

    def fits(self, code: str) -> bool:
        parts = code.split(self.separator)
        return len(parts) == len(self.lengths) and all(
            len(p) == n and p.isalnum() for p, n in zip(parts, self.lengths, strict=True)
        )


JOB_MASK = Mask((2, 3), "-")
COMMITMENT_LENGTH = 12


def normalise(procore_code: str, mask: Mask) -> str | None:
    """The SQL rule for a Procore full_code: the Sage code it denotes, or None.

    1. Replace every delimiter (- . _ / space) by the mask separator; if the sections
       then have the mask's lengths, that is the code (`01-20.05` → `01-20-05`).
    2. Else, if the code is only digits and as long as the mask's digits, cut it into
       the mask's sections (`012005` → `01-20-05`).
    3. Else there is no rule-based mapping (None).
    """
    text = procore_code.strip()
    swapped = re.sub(r"[-._/ ]", mask.separator, text)
    if mask.fits(swapped):
        return swapped
    if text.isdigit() and len(text) == mask.digits:
        return mask.cut(text)
    return None


@dataclass(frozen=True)
class Category:
    """A Sage category and the Procore line item type that carries the same code."""

    code: str
    description: str
    accumulate_as: str  # Sage bucket: Labor, Material, Subcontract, Equipment, Overhead, Other
    procore_name: str
    base_type: str  # Procore line item type base_type


CATEGORIES: tuple[Category, ...] = (
    Category("L", "Labor", "Labor", "Labor", "other"),
    Category("M", "Material", "Material", "Materials", "materials"),
    Category("S", "Subcontract", "Subcontract", "Subcontract", "commitment"),
    Category("E", "Equipment", "Equipment", "Equipment", "equipment"),
    Category("O", "Other", "Other", "Other", "other"),
    # a company-specific category: rented equipment, accumulated with owned equipment
    Category("R", "Equipment Rental", "Equipment", "Rental", "equipment"),
)
CATEGORY_BY_CODE = {c.code: c for c in CATEGORIES}


@dataclass(frozen=True)
class Division:
    number: str  # two digits
    name: str
    trade: str  # vendor trade that takes the subcontract / PO
    categories: tuple[str, ...]  # categories a budget line of this division may use
    sections: tuple[tuple[str, str], ...]  # (two-digit section, name)


DIVISIONS: tuple[Division, ...] = (
    Division(
        "01",
        "General Requirements",
        "general",
        ("L", "O", "R"),
        (
            ("31", "Project Management"),
            ("41", "Permits & Fees"),
            ("50", "Temp Facilities"),
            ("52", "Site Office"),
            ("74", "Cleaning"),
            ("56", "Temp Barriers"),
        ),
    ),
    Division(
        "02",
        "Existing Conditions",
        "demolition",
        ("S",),
        (("41", "Demolition"), ("82", "Abatement")),
    ),
    Division(
        "03",
        "Concrete",
        "concrete",
        ("S", "L", "M"),
        (
            ("10", "Formwork"),
            ("20", "Reinforcing"),
            ("30", "Cast-in-Place"),
            ("35", "Finishing"),
            ("40", "Precast"),
        ),
    ),
    Division("04", "Masonry", "masonry", ("S",), (("20", "Unit Masonry"), ("40", "Stone"))),
    Division(
        "05",
        "Metals",
        "steel",
        ("S", "M"),
        (("12", "Structural Steel"), ("31", "Steel Decking"), ("50", "Misc Metals")),
    ),
    Division(
        "06",
        "Wood & Plastics",
        "carpentry",
        ("L", "M", "S"),
        (("10", "Rough Carpentry"), ("20", "Finish Carpentry"), ("41", "Casework")),
    ),
    Division(
        "07",
        "Thermal & Moisture",
        "roofing",
        ("S",),
        (("21", "Insulation"), ("50", "Membrane Roofing"), ("92", "Sealants")),
    ),
    Division(
        "08",
        "Openings",
        "glazing",
        ("S", "M"),
        (("11", "Metal Doors"), ("41", "Storefronts"), ("71", "Hardware")),
    ),
    Division(
        "09",
        "Finishes",
        "drywall",
        ("S",),
        (
            ("21", "Drywall"),
            ("30", "Tiling"),
            ("51", "Ceilings"),
            ("65", "Flooring"),
            ("91", "Painting"),
        ),
    ),
    Division(
        "10",
        "Specialties",
        "specialties",
        ("M", "L"),
        (("14", "Signage"), ("28", "Toilet Accessories"), ("44", "Fire Extinguishers")),
    ),
    Division("14", "Conveying", "elevator", ("S",), (("21", "Elevators"),)),
    Division("21", "Fire Suppression", "fire", ("S",), (("13", "Sprinklers"),)),
    Division(
        "22",
        "Plumbing",
        "plumbing",
        ("S",),
        (("11", "Water Distribution"), ("13", "Sanitary Sewer"), ("40", "Fixtures")),
    ),
    Division(
        "23",
        "HVAC",
        "mechanical",
        ("S",),
        (("05", "HVAC General"), ("31", "Ductwork"), ("73", "Air Handlers")),
    ),
    Division(
        "26",
        "Electrical",
        "electrical",
        ("S",),
        (("05", "Electrical General"), ("24", "Switchboards"), ("51", "Lighting")),
    ),
    Division("27", "Communications", "low voltage", ("S",), (("10", "Structured Cabling"),)),
    Division("28", "Electronic Safety", "low voltage", ("S",), (("31", "Fire Alarm"),)),
    Division(
        "31",
        "Earthwork",
        "earthwork",
        ("S", "E", "L"),
        (("10", "Site Clearing"), ("20", "Excavation & Fill"), ("23", "Trenching")),
    ),
    Division(
        "32",
        "Exterior Improvements",
        "paving",
        ("S", "M"),
        (("12", "Asphalt Paving"), ("13", "Concrete Paving"), ("90", "Landscaping")),
    ),
    Division(
        "33",
        "Utilities",
        "utilities",
        ("S", "E"),
        (("10", "Water Utilities"), ("30", "Sanitary Utilities"), ("40", "Storm Drainage")),
    ),
)
DIVISION_BY_NUMBER = {d.number: d for d in DIVISIONS}

# Item digits inside a section: a leaf code is division + section + item (six digits).
ITEMS: tuple[tuple[str, str], ...] = (
    ("00", "General"),
    ("10", "Phase 1"),
    ("20", "Phase 2"),
    ("30", "Phase 3"),
)


@dataclass(frozen=True)
class StandardCode:
    """One company standard cost code, already formatted for the scenario's mask."""

    code: str
    description: str
    division: str
    digits: str  # the six-digit source (division + section + item)
    group: bool = False


def standard_codes(mask: Mask) -> list[StandardCode]:
    """The company's standard cost code list for `mask`: group codes per division
    (Group_Cost_Code = 1) plus leaf codes; duplicates after cutting are dropped."""
    out: list[StandardCode] = []
    seen: set[str] = set()
    for div in DIVISIONS:
        group = mask.cut(div.number)
        if group not in seen:
            seen.add(group)
            out.append(
                StandardCode(group, div.name[:30], div.number, div.number + "0000", group=True)
            )
        for sec, sec_name in div.sections:
            for item, item_name in ITEMS:
                digits = div.number + sec + item
                code = mask.cut(digits)
                if code in seen:
                    continue
                seen.add(code)
                desc = sec_name if item == "00" else f"{sec_name} - {item_name}"
                out.append(StandardCode(code, desc[:30], div.number, digits))
    return out


# Company-wide irregular Procore codes (mapped by control/cost_code_map.csv), each
# with the standard code digits it stands for.
IRREGULAR_CODES: tuple[tuple[str, str, str], ...] = (
    ("GC-SUPER", "Superintendent", "013110"),
    ("GC-PM", "Project Manager", "013120"),
    ("PERMITS", "Permits & Fees", "014100"),
    ("FINAL-CLEAN", "Final Cleaning", "017430"),
)
# The job-specific override row: on one job GC-PM is booked to this code instead.
IRREGULAR_JOB_SPECIFIC = ("GC-PM", "013130")
