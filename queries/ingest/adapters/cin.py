"""The CIN census XML to the contract: section 47 enquiries, initial conferences, child
protection plans and their review conferences.

For each ``<Child>`` (``LAchildID``, ``PersonBirthDate``, ``Sex`` from the 2024-25
specification or ``GenderCurrent`` before it) and each of its ``<CINdetails>``:

- each ``<Section47>`` is an enquiry (``S47ActualStartDate``); its ``DateOfInitialCPC`` is
  an ICPC linked to that enquiry;
- the ``DateOfInitialCPC`` of the ``<CINdetails>`` itself (where the DfE's specification
  puts the episode's ICPC) is an ICPC too: linked to the episode's ``Section47`` that
  records the same date, else to the latest one that started on or before it (its
  ``S47ActualStartDate`` starts the 15-working-day clock). With no enquiry at all it is
  still a conference held (volumes, chair pages) and a data-quality warning "ICPC without
  an s47 enquiry", outside the 15-day KPI as the contract says;
- each ``<ChildProtectionPlans>`` is a plan (``CPPstartDate``, ``CPPendDate``,
  ``InitialCategoryOfAbuse``); the ICPC held on the plan's start date started it;
- each ``<CPPreviewDate>`` of a plan is a review conference (RCPC) of that plan.

The census holds no chair ids: conferences are by the placeholder ``NOT_RECORDED``, so the
chair pages show one line, "Not recorded in this return", unless the authority supplies a
chairs file (``--cin-chairs``: LAchildID, conference_date, chair_id, chair_name, team; one
row per conference) or uses the SQL route. Ids are made from the child and the dates (the
census has none), so the same census gives the same ids each night. Every specification
year from 2021-22 to 2025-26 is read, with or without a namespace. The XML is read with
defusedxml (no entity expansion, no network).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import parse

from queries.ingest.adapters import (
    NOT_RECORDED,
    NOT_RECORDED_STAFF,
    AdapterError,
    Extract,
    parse_date,
)

FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
# GenderCurrent (to 2023-24): 1 male, 2 female, 0/9 not known; Sex (2024-25 on): M, F, U.
SEX = {"1": "M", "2": "F", "M": "M", "F": "F"}


def _strip(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]  # a namespace, if the file has one


def _child(el: Element, name: str) -> Element | None:
    for c in el:
        if _strip(c.tag) == name:
            return c
    return None


def _children(el: Element, name: str) -> list[Element]:
    return [c for c in el if _strip(c.tag) == name]


def _text(el: Element | None, name: str) -> str:
    found = _child(el, name) if el is not None else None
    return (found.text or "").strip() if found is not None else ""


def read(path: Path) -> Extract:
    try:
        root: Element | None = parse(str(path)).getroot()
    except FileNotFoundError as exc:
        raise AdapterError(f"no CIN census file at {path}") from exc
    except ParseError as exc:
        raise AdapterError(f"{path.name} is not well-formed XML: {exc}") from exc
    except DefusedXmlException as exc:
        raise AdapterError(
            f"{path.name} uses XML entities or a DTD, which a census file never needs; "
            "refused for safety"
        ) from exc
    children_el = _child(root, "Children") if root is not None else None
    if root is None or _strip(root.tag) != "Message" or children_el is None:
        raise AdapterError(
            f"{path.name} is not a CIN census file: expected <Message> with <Children>"
        )
    ext = Extract(sources=["CIN census"])
    ext.add("staff", NOT_RECORDED_STAFF)
    for n, child in enumerate(_children(children_el, "Child"), start=1):
        ids = _child(child, "ChildIdentifiers")
        cid = _text(ids, "LAchildID")
        where = f"{path.name}: child {n}" + (f" (LAchildID {cid})" if cid else "")

        def date(field: str, raw: str, what: str, where: str = where) -> dt.date | None:
            try:
                return parse_date(raw, FORMATS)
            except ValueError:
                ext.problems.append(
                    f"{where}, {what}: {field} '{raw}' is not a date (YYYY-MM-DD); "
                    "that record is left out"
                )
                raise

        if not cid:
            ext.problems.append(f"{where}: LAchildID is blank; the child is left out")
            continue
        try:
            dob = date("PersonBirthDate", _text(ids, "PersonBirthDate"), "ChildIdentifiers")
        except ValueError:
            continue
        if dob is None:
            ext.problems.append(f"{where}: PersonBirthDate is blank; the child is left out")
            continue
        ext.add(
            "children",
            {
                "child_id": cid,
                "date_of_birth": dob,
                "sex": SEX.get(
                    (
                        _text(ids, "Sex")
                        or _text(_child(child, "ChildCharacteristics"), "Sex")
                        or _text(ids, "GenderCurrent")
                    ).upper(),
                    "",
                ),
                "ethnicity": _text(_child(child, "ChildCharacteristics"), "Ethnicity"),
            },
        )
        icpcs: dict[dt.date, str] = {}
        for k, details in enumerate(_children(child, "CINdetails"), start=1):
            enquiries: list[tuple[dt.date, str, dt.date | None]] = []
            for s, s47 in enumerate(_children(details, "Section47"), start=1):
                what = f"CINdetails {k} Section47 {s}"
                try:
                    start = date("S47ActualStartDate", _text(s47, "S47ActualStartDate"), what)
                    icpc = date("DateOfInitialCPC", _text(s47, "DateOfInitialCPC"), what)
                except ValueError:
                    continue
                if start is None:
                    ext.problems.append(f"{where}, {what}: S47ActualStartDate is blank; left out")
                    continue
                enquiry = f"{cid}/S47/{start:%Y%m%d}"
                ext.add(
                    "s47_enquiries",
                    {
                        "enquiry_id": enquiry,
                        "child_id": cid,
                        "s47_start_date": start,
                        "icpc_required": "N"
                        if _text(s47, "ICPCnotRequired").lower() in ("true", "1")
                        else ("Y" if icpc else ""),
                    },
                )
                enquiries.append((start, enquiry, icpc))
                if icpc is not None:
                    icpcs[icpc] = enquiry
            try:
                episode_icpc = date(
                    "DateOfInitialCPC", _text(details, "DateOfInitialCPC"), f"CINdetails {k}"
                )
            except ValueError:
                episode_icpc = None
            if episode_icpc is not None and episode_icpc not in icpcs:
                same = [e for _s, e, d in enquiries if d == episode_icpc]
                before = sorted((s, e) for s, e, _d in enquiries if s <= episode_icpc)
                if same:
                    icpcs[episode_icpc] = same[0]
                elif before:
                    icpcs[episode_icpc] = before[-1][1]
                else:
                    icpcs[episode_icpc] = ""  # no enquiry: held, but outside the 15-day KPI
            for p, plan_el in enumerate(_children(details, "ChildProtectionPlans"), start=1):
                what = f"CINdetails {k} ChildProtectionPlans {p}"
                try:
                    start = date("CPPstartDate", _text(plan_el, "CPPstartDate"), what)
                    end = date("CPPendDate", _text(plan_el, "CPPendDate"), what)
                except ValueError:
                    continue
                if start is None:
                    ext.problems.append(f"{where}, {what}: CPPstartDate is blank; left out")
                    continue
                plan = f"{cid}/CPP/{start:%Y%m%d}"
                ext.add(
                    "cp_plans",
                    {
                        "plan_id": plan,
                        "child_id": cid,
                        "start_date": start,
                        "end_date": end,
                        "initial_category": _text(plan_el, "InitialCategoryOfAbuse"),
                    },
                )
                reviews_el = _child(plan_el, "Reviews")
                review_els = [] if reviews_el is None else _children(reviews_el, "CPPreviewDate")
                for r_el in review_els:
                    raw = (r_el.text or "").strip()
                    try:
                        held = date("CPPreviewDate", raw, f"{what} review")
                    except ValueError:
                        continue
                    if held is not None:
                        ext.add(
                            "cp_conferences",
                            {
                                "conference_id": f"{plan}/R/{held:%Y%m%d}",
                                "child_id": cid,
                                "conference_date": held,
                                "conference_type": "RCPC",
                                "chair_id": NOT_RECORDED,
                                "plan_id": plan,
                            },
                        )
                if start in icpcs:  # the ICPC that started this plan
                    icpcs[start] = f"{icpcs[start]}|{plan}"
        for held, link in icpcs.items():
            enquiry, _, plan = link.partition("|")
            ext.add(
                "cp_conferences",
                {
                    "conference_id": f"{cid}/ICPC/{held:%Y%m%d}",
                    "child_id": cid,
                    "conference_date": held,
                    "conference_type": "ICPC",
                    "chair_id": NOT_RECORDED,
                    "enquiry_id": enquiry or None,
                    "plan_id": plan or None,
                },
            )
    return ext


CHAIR_COLUMNS = ("LACHILDID", "CONFERENCE_DATE", "CHAIR_ID")


def apply_chairs(ext: Extract, path: Path) -> dict[str, int]:
    """Give the census's conferences their chairs from an authority's small CSV file:
    LAchildID, conference_date, chair_id, and optionally chair_name and team (one row per
    conference). Rows that match no conference are problems; conferences with no row keep
    the ``NOT_RECORDED`` placeholder."""
    import csv

    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise AdapterError(f"cannot read the chairs file {path}: {exc.strerror}") from exc
    reader = csv.DictReader(text.splitlines())
    header = [(h or "").strip().upper() for h in reader.fieldnames or []]
    missing = [c for c in CHAIR_COLUMNS if c not in header]
    if missing:
        raise AdapterError(
            f"{path.name} has no column {', '.join(missing)}; a chairs file needs LAchildID, "
            "conference_date, chair_id (and may have chair_name, team)"
        )
    by_key = {(c["child_id"], c["conference_date"]): c for c in ext.rows.get("cp_conferences", [])}
    staff = {s["staff_id"]: s for s in ext.rows.get("staff", [])}
    matched = unmatched = 0
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().upper(): (v or "").strip() for k, v in raw.items()}
        try:
            day = parse_date(row["CONFERENCE_DATE"], FORMATS)
        except ValueError:
            ext.problems.append(f"{path.name} line {line}: conference_date is not a date")
            unmatched += 1
            continue
        conf = by_key.get((row["LACHILDID"], day))
        if conf is None or not row["CHAIR_ID"]:
            ext.problems.append(
                f"{path.name} line {line}: no conference of child {row['LACHILDID']} on {day} "
                "in the census (or no chair_id); the row is not used"
            )
            unmatched += 1
            continue
        conf["chair_id"] = row["CHAIR_ID"]
        matched += 1
        if row["CHAIR_ID"] not in staff:
            staff[row["CHAIR_ID"]] = {
                "staff_id": row["CHAIR_ID"],
                "staff_name": row.get("CHAIR_NAME") or row["CHAIR_ID"],
                "role": "CP_CHAIR",
                "team": row.get("TEAM") or "No team recorded",
            }
    ext.rows["staff"] = list(staff.values())
    return {"matched": matched, "unmatched": unmatched}
