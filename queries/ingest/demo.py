"""A deterministic synthetic authority: the demo extract and the benchmark's national one.

At ``scale=1`` it is one authority: about 800 children in care at any time, 400 on child
protection plans, 14 IROs in two teams and 6 CP chairs, from April 2016 (with the earlier
history of the children already in care then) to the end of last month. It writes every
file of the contract, optional ones too, with the patterns the annual report describes: a
dip in review timeliness every January, occasional late reviews and conferences, more
virtual reviews from April 2020, lower attendance in the first lockdown. ``scale=150``
gives a national-sized extract for the benchmark. The same seed and end date always give
the same files. Every name and id here is invented.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterable, Sequence
from pathlib import Path

from queries.ingest.calendar import bank_holidays

START = dt.date(2016, 4, 1)
HISTORY_START = dt.date(2010, 1, 1)

FIRST = (
    "Alex",
    "Sam",
    "Jo",
    "Priya",
    "Tom",
    "Aisha",
    "Ben",
    "Chloe",
    "Dev",
    "Ellen",
    "Femi",
    "Grace",
    "Hamza",
    "Isla",
    "Jack",
    "Kiran",
    "Lena",
    "Mo",
    "Nia",
    "Owen",
)
LAST = (
    "Archer",
    "Bennett",
    "Carter",
    "Dalton",
    "Evans",
    "Fisher",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nolan",
    "Okafor",
    "Price",
    "Quinn",
    "Reid",
    "Shah",
    "Turner",
)
SW_TEAMS = (
    "Through Care 1",
    "Through Care 2",
    "Family Support North",
    "Family Support South",
    "Children with Disabilities",
    "Leaving Care",
)
DRP_CATEGORIES = (
    "Drift and delay",
    "Care planning",
    "Placement",
    "Health",
    "Education",
    "Family time",
)
PA_THEMES = ("Child's voice", "Care planning", "Life story work", "Relationships", "Transitions")
AUDIT_THEMES = (
    "IRO footprint",
    "Minutes and recommendations",
    "Attendance",
    "Quality of plans",
    "Drift and delay",
)
JUDGEMENTS = ("OUTSTANDING", "GOOD", "REQUIRES_IMPROVEMENT", "INADEQUATE")
LEGAL = ("C2", "V2", "E1", "J2", "L1")
PLACEMENTS = ("FOSTER_LA", "FOSTER_IFA", "KINSHIP", "RESIDENTIAL", "PLACED_WITH_PARENTS")
CATEGORIES = ("NEGLECT", "EMOTIONAL", "PHYSICAL", "SEXUAL", "MULTIPLE")
QUESTIONS: dict[str, tuple[tuple[str, str, float], ...]] = {
    "CHILD": (
        ("C1", "Did you feel listened to and were your views considered?", 0.96),
        ("C2", "Did you understand the outcome of your review?", 0.87),
        ("C3", "Do you understand the role of your IRO?", 0.88),
    ),
    "PARENT": (
        ("P1", "Did you have an opportunity to speak with the IRO before/after the review?", 0.80),
        ("P2", "Did they help you understand the role of the IRO?", 0.92),
        ("P4", "Do you understand the recommendations from the review?", 0.90),
        ("P8", "Were you given the opportunity to share your views?", 0.97),
    ),
    "CARER": (
        ("K1", "Did you have an opportunity to speak with the IRO before/after the review?", 0.74),
        ("K4", "Do you understand the recommendations from the review?", 0.99),
        ("K7", "Did the meeting hear the views of the child?", 0.95),
    ),
    "PROFESSIONAL": (
        ("X1", "Have you been able to access the review meeting?", 0.96),
        ("X2", "Did the IRO enable you to share your views?", 0.99),
        ("X6", "Did the IRO enable you to give a view on the care plan?", 0.90),
    ),
}


def last_month_end(today: dt.date | None = None) -> dt.date:
    """The last day of the month before ``today``."""
    today = today or dt.date.today()
    return today.replace(day=1) - dt.timedelta(days=1)


def extract_time(end: dt.date) -> dt.datetime:
    """When an extract whose data runs to ``end`` was taken: 02:00 UTC the next night."""
    return dt.datetime.combine(end + dt.timedelta(days=1), dt.time(2, 0), tzinfo=dt.UTC)


class _Days:
    """Working-day arithmetic for the generator (the SQL calendar is the rule's source)."""

    def __init__(self, first: int, last: int) -> None:
        self.hols = set(bank_holidays(range(first, last + 1)))

    def working(self, d: dt.date) -> bool:
        return d.weekday() < 5 and d not in self.hols

    def add(self, d: dt.date, n: int) -> dt.date:
        while n > 0:
            d += dt.timedelta(days=1)
            n -= self.working(d)
        return d

    def on_or_before(self, d: dt.date) -> dt.date:
        while not self.working(d):
            d -= dt.timedelta(days=1)
        return d


def _add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return min(
        d.replace(year=year, month=month, day=1) + dt.timedelta(days=d.day - 1),
        nxt - dt.timedelta(days=1),
    )


class _Writer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.counts: dict[str, int] = {}

    def write(self, name: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        path = self.folder / f"{name}.csv"
        n = 0
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            for row in rows:
                w.writerow(["" if v is None else v for v in row])
                n += 1
        self.counts[name] = n


def write_demo_extract(
    folder: Path, end: dt.date | None = None, scale: float = 1.0, seed: int = 2021
) -> dict[str, int]:
    """Write the synthetic extract into ``folder``; return rows written per file."""
    end = end or last_month_end()
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    days = _Days(HISTORY_START.year, end.year + 1)
    out = _Writer(folder)

    # ---- staff: IROs in teams of seven, CP chairs, managers
    n_iro = max(2, round(14 * scale))
    n_chair = max(1, round(6 * scale))
    staff: list[tuple[str, str, str, str, dt.date, dt.date | None]] = []
    iro_ids: list[str] = []
    teams: list[str] = []
    for i in range(n_iro):
        team = f"IRO Team {'North' if i % 2 == 0 else 'South'}"
        if n_iro > 14:
            team = f"IRO Team {i // 7 + 1:03d}"
        sid = f"S{len(staff) + 1:04d}"
        iro_ids.append(sid)
        teams.append(team)
        staff.append(
            (sid, f"{FIRST[i % 20]} {LAST[(i * 7) % 20]}", "IRO", team, dt.date(2008, 1, 1), None)
        )
    chair_ids = []
    for i in range(n_chair):
        sid = f"S{len(staff) + 1:04d}"
        chair_ids.append(sid)
        role = "IRO_CP_CHAIR" if i == 0 else "CP_CHAIR"
        staff.append(
            (
                sid,
                f"{FIRST[(i + 5) % 20]} {LAST[(i * 3 + 1) % 20]}",
                role,
                "CP Chairs",
                dt.date(2010, 6, 1),
                None,
            )
        )
    for team in sorted(set(teams)) + ["CP Chairs"]:
        sid = f"S{len(staff) + 1:04d}"
        staff.append((sid, f"Manager {team}", "MANAGER", team, dt.date(2012, 1, 1), None))
    out.write("staff", ("staff_id", "staff_name", "role", "team", "start_date", "end_date"), staff)

    children: list[tuple[str, dt.date, str, str, str]] = []
    periods: list[tuple[object, ...]] = []
    reviews: list[tuple[object, ...]] = []
    allocations: list[tuple[object, ...]] = []
    contacts: list[tuple[object, ...]] = []

    def new_child(age_years: float, at: dt.date) -> tuple[str, dt.date]:
        cid = f"C{len(children) + 1:07d}"
        dob = at - dt.timedelta(days=int(age_years * 365.25))
        dob = max(dob, dt.date(1995, 1, 1))
        children.append(
            (
                cid,
                dob,
                rng.choice("MF"),
                rng.choices(("WBRI", "WOTH", "MWBC", "ASIA", "BAFR", "OOTH"), (70, 6, 8, 7, 5, 4))[
                    0
                ],
                rng.choices(("NONE", "YES"), (88, 12))[0],
            )
        )
        return cid, dob

    # ---- children in care: a steady population of about 800 x scale
    mean_years = 2.6
    in_care = 800 * scale
    # Leaving care at 18 shortens the mean stay to about two years.
    arrivals_per_day = in_care / (2.0 * 365.25)
    t = HISTORY_START
    period_no = 0
    review_no = 0
    while t <= end:
        for _ in range(_poisson(rng, arrivals_per_day)):
            age = rng.choices((0.5, 3, 7, 11, 14, 16), (18, 12, 15, 20, 25, 10))[0]
            cid, dob = new_child(age + rng.random(), t)
            spells = 2 if rng.random() < 0.08 else 1
            start = t
            for spell in range(spells):
                period_no += 1
                review_no = _one_period(
                    rng,
                    days,
                    end,
                    cid,
                    dob,
                    start,
                    f"P{period_no:08d}",
                    review_no,
                    iro_ids,
                    periods,
                    reviews,
                    allocations,
                    contacts,
                    mean_years,
                )
                last_end = periods[-1][3]
                if spell + 1 < spells:
                    if not isinstance(last_end, dt.date):
                        break
                    start = last_end + dt.timedelta(days=rng.randrange(60, 400))
                    if start > end:
                        break
        t += dt.timedelta(days=1)

    out.write(
        "cla_periods",
        (
            "period_id",
            "child_id",
            "start_date",
            "end_date",
            "legal_status",
            "placement_type",
            "placement_location",
            "sw_team",
        ),
        periods,
    )
    out.write(
        "cla_reviews",
        (
            "review_id",
            "child_id",
            "review_date",
            "iro_id",
            "participation_code",
            "review_format",
            "minutes_completed_date",
        ),
        reviews,
    )
    out.write(
        "iro_allocations",
        ("allocation_id", "child_id", "iro_id", "start_date", "end_date"),
        [(f"A{i + 1:08d}", *a) for i, a in enumerate(allocations)],
    )
    out.write(
        "direct_contacts",
        ("contact_id", "child_id", "iro_id", "contact_date", "contact_type"),
        [(f"D{i + 1:08d}", *c) for i, c in enumerate(contacts)],
    )

    _child_protection(rng, days, end, scale, chair_ids, new_child, out)
    _quality_assurance(rng, days, end, scale, iro_ids, periods, out)
    out.write(
        "children",
        ("child_id", "date_of_birth", "sex", "ethnicity", "disability"),
        [(c[0], c[1], c[2], c[3], c[4]) for c in children],
    )
    return out.counts


def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth for small rates, a normal approximation for the national-scale ones.
    if lam > 30:
        return max(0, round(rng.gauss(lam, lam**0.5)))
    limit, k, p = 2.718281828459045**-lam, 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _late_chance(due: dt.date) -> float:
    # The January dip the annual report describes: reviews due over Christmas and early
    # January slip, and are held (late) in January.
    if (due.month == 12 and due.day >= 18) or (due.month == 1 and due.day <= 24):
        return 0.15
    if due.month == 9:
        return 0.06
    return 0.035


def _participation(rng: random.Random, age: float, when: dt.date) -> str | None:
    if age < 4:
        return "PN0"
    if rng.random() < 0.003:
        return None  # a blank code now and then: a data-quality warning, as in real data
    lockdown = dt.date(2020, 4, 1) <= when <= dt.date(2020, 6, 30)
    weights = [0, 58, 5, 4, 3, 7, 16, 7]
    if lockdown:
        weights = [0, 40, 5, 4, 3, 12, 29, 7]
    if when.month == 1:
        weights[7] += 4
    return f"PN{rng.choices(range(8), weights)[0]}"


def _one_period(
    rng: random.Random,
    days: _Days,
    end: dt.date,
    cid: str,
    dob: dt.date,
    start: dt.date,
    pid: str,
    review_no: int,
    iro_ids: list[str],
    periods: list[tuple[object, ...]],
    reviews: list[tuple[object, ...]],
    allocations: list[tuple[object, ...]],
    contacts: list[tuple[object, ...]],
    mean_years: float,
) -> int:
    length = int(rng.expovariate(1 / (mean_years * 365.25)))
    if rng.random() < 0.12:
        length = rng.randrange(3, 40)  # short stays that end before their first review
    p_end: dt.date | None = start + dt.timedelta(days=length)
    eighteen = (
        dob.replace(year=dob.year + 18)
        if not (dob.month == 2 and dob.day == 29)
        else dt.date(dob.year + 18, 3, 1)
    )
    if p_end is not None and p_end > eighteen:
        p_end = eighteen
    if p_end is not None and p_end > end:
        p_end = None
    if p_end is not None and p_end <= start:
        return review_no  # a second spell that would start after the 18th birthday
    periods.append(
        (
            pid,
            cid,
            start,
            p_end,
            rng.choice(LEGAL),
            rng.choice(PLACEMENTS),
            rng.choices(("IN_AREA", "OUT_OF_AREA"), (72, 28))[0],
            rng.choice(
                ("Through Care 1", "Through Care 2", "Leaving Care", "Children with Disabilities")
            ),
        )
    )
    iro = rng.choice(iro_ids)
    alloc_start = start
    last = p_end or end
    due = days.add(start, 20)
    n = 0
    while due <= last:
        n += 1
        if rng.random() < _late_chance(due):
            slip = rng.randrange(2, 14) if due.month in (12, 1) else rng.randrange(2, 35)
            held = days.on_or_before(due + dt.timedelta(days=slip))
        else:
            held = days.on_or_before(due - dt.timedelta(days=rng.randrange(0, 20)))
        held = max(held, start)
        if held > last:
            break
        if rng.random() < 0.04 and n > 1:  # the child moves to another IRO
            allocations.append((cid, iro, alloc_start, held - dt.timedelta(days=1)))
            iro = rng.choice([s for s in iro_ids if s != iro] or iro_ids)
            alloc_start = held
        review_no += 1
        age = (held - dob).days / 365.25
        fmt = "IN_PERSON"
        if dt.date(2020, 3, 23) <= held <= dt.date(2021, 6, 30):
            fmt = rng.choices(("VIRTUAL", "HYBRID", "IN_PERSON"), (75, 15, 10))[0]
        elif held > dt.date(2021, 6, 30):
            fmt = rng.choices(("VIRTUAL", "HYBRID", "IN_PERSON"), (25, 30, 45))[0]
        minutes: dt.date | None = days.add(
            held,
            rng.choices(
                (rng.randrange(3, 15), rng.randrange(15, 21), rng.randrange(21, 40)), (70, 22, 8)
            )[0],
        )
        if minutes is not None and minutes > end:
            minutes = None
        reviews.append(
            (f"R{review_no:09d}", cid, held, iro, _participation(rng, age, held), fmt, minutes)
        )
        # IRO direct contacts between reviews: about one and a half a year.
        nxt = _add_months(held, 3 if n == 1 else 6)
        if rng.random() < 0.55:
            c_day = held + dt.timedelta(days=rng.randrange(20, max(21, (nxt - held).days)))
            if c_day <= last:
                contacts.append(
                    (
                        cid,
                        iro,
                        c_day,
                        rng.choices(("VISIT", "PHONE", "VIRTUAL", "OTHER"), (40, 30, 25, 5))[0],
                    )
                )
        due = nxt
    allocations.append((cid, iro, alloc_start, p_end))
    return review_no


def _child_protection(
    rng: random.Random,
    days: _Days,
    end: dt.date,
    scale: float,
    chair_ids: list[str],
    new_child: object,
    out: _Writer,
) -> None:
    make_child = new_child  # (age, at) -> (child_id, dob)
    enquiries: list[tuple[object, ...]] = []
    plans: list[tuple[object, ...]] = []
    confs: list[tuple[object, ...]] = []
    mean_plan_days = 290
    plans_per_day = 400 * scale / mean_plan_days
    t = dt.date(2014, 1, 1)
    while t <= end:
        if days.working(t):
            lam = plans_per_day * 7 / 5 * 2.2  # enquiries: about 2.2 for each new plan
            for _ in range(_poisson(rng, lam)):
                cid, _dob = make_child(rng.randrange(0, 16) + rng.random(), t)  # type: ignore[operator]
                eid = f"E{len(enquiries) + 1:08d}"
                strat = t - dt.timedelta(days=rng.randrange(0, 4))
                to_icpc = rng.random() < 0.48
                enquiries.append(
                    (eid, cid, t, strat, "Y" if to_icpc else "N", rng.choice(SW_TEAMS))
                )
                if not to_icpc:
                    continue
                late = rng.random() < (0.12 if t.month in (12, 1) else 0.07)
                icpc = days.add(t, rng.randrange(16, 25) if late else rng.randrange(6, 16))
                if icpc > end:
                    continue
                chair = rng.choice(chair_ids)
                if rng.random() < 0.12:
                    confs.append((cid, icpc, "ICPC", chair, eid, None, "NO_PLAN"))
                    continue
                _plan(
                    rng,
                    days,
                    end,
                    cid,
                    icpc,
                    "ICPC",
                    eid,
                    chair,
                    chair_ids,
                    plans,
                    confs,
                    mean_plan_days,
                )
            for _ in range(_poisson(rng, plans_per_day * 7 / 5 * 0.06)):
                cid, _dob = make_child(rng.randrange(0, 16) + rng.random(), t)  # type: ignore[operator]
                kind = "TRANSFER_IN" if rng.random() < 0.7 else "PLAN_START"
                _plan(
                    rng,
                    days,
                    end,
                    cid,
                    t,
                    kind,
                    None,
                    rng.choice(chair_ids),
                    chair_ids,
                    plans,
                    confs,
                    mean_plan_days,
                )
        t += dt.timedelta(days=1)
    out.write(
        "s47_enquiries",
        (
            "enquiry_id",
            "child_id",
            "s47_start_date",
            "strategy_discussion_date",
            "icpc_required",
            "sw_team",
        ),
        enquiries,
    )
    out.write(
        "cp_plans", ("plan_id", "child_id", "start_date", "end_date", "initial_category"), plans
    )
    out.write(
        "cp_conferences",
        (
            "conference_id",
            "child_id",
            "conference_date",
            "conference_type",
            "chair_id",
            "enquiry_id",
            "plan_id",
            "outcome",
        ),
        [(f"K{i + 1:08d}", *c) for i, c in enumerate(confs)],
    )


def _plan(
    rng: random.Random,
    days: _Days,
    end: dt.date,
    cid: str,
    start: dt.date,
    kind: str,
    eid: str | None,
    chair: str,
    chair_ids: list[str],
    plans: list[tuple[object, ...]],
    confs: list[tuple[object, ...]],
    mean_days: int,
) -> None:
    plan_id = f"L{len(plans) + 1:08d}"
    length = int(rng.expovariate(1 / mean_days)) + 60
    p_end: dt.date | None = start + dt.timedelta(days=length)
    if kind == "ICPC":
        confs.append((cid, start, "ICPC", chair, eid, plan_id, "PLAN"))
    elif kind == "TRANSFER_IN":
        confs.append((cid, start, "TRANSFER_IN", chair, None, plan_id, "PLAN"))
    previous, first = start, True
    while True:
        due = _add_months(previous, 3 if first else 6)
        late = rng.random() < (0.06 if due.month == 1 else 0.02)
        held = days.on_or_before(
            due + dt.timedelta(days=rng.randrange(3, 20))
            if late
            else due - dt.timedelta(days=rng.randrange(0, 15))
        )
        if held > end or (p_end is not None and held > p_end):
            break
        ending = p_end is not None and _add_months(held, 6) > p_end
        confs.append(
            (
                cid,
                held,
                "RCPC",
                rng.choice((chair, chair, rng.choice(chair_ids))),
                None,
                plan_id,
                "PLAN_ENDED" if ending else "CONTINUE",
            )
        )
        if ending:
            p_end = held
            break
        previous, first = held, False
    if p_end is not None and p_end > end:
        p_end = None
    plans.append((plan_id, cid, start, p_end, rng.choice(CATEGORIES)))


def _quality_assurance(
    rng: random.Random,
    days: _Days,
    end: dt.date,
    scale: float,
    iro_ids: list[str],
    periods: list[tuple[object, ...]],
    out: _Writer,
) -> None:
    open_children = [str(p[1]) for p in periods]
    drps: list[tuple[object, ...]] = []
    pas: list[tuple[object, ...]] = []
    audits: list[tuple[object, ...]] = []
    feedback: list[tuple[object, ...]] = []
    informal_recent: list[tuple[str, dt.date]] = []
    t = START
    while t <= end:
        if days.working(t):
            informal_recent = [(c, d) for c, d in informal_recent if (t - d).days <= 120]
            fy = t.year if t.month >= 4 else t.year - 1
            yearly_formal = max(20.0, 61 - (fy - 2016) * 8)  # formal DRPs fall year on year
            yearly_informal = 90 + (fy - 2016) * 8
            yearly_pa = 40 + (fy - 2016) * 12
            for level, per_year in (("FORMAL", yearly_formal), ("INFORMAL", yearly_informal)):
                for _ in range(_poisson(rng, per_year * scale / 253)):
                    # Many formal DRPs escalate an informal one for the same child.
                    child = (
                        rng.choice(informal_recent)[0]
                        if level == "FORMAL" and informal_recent and rng.random() < 0.5
                        else rng.choice(open_children)
                    )
                    if level == "INFORMAL":
                        informal_recent.append((child, t))
                    due = days.add(t, 10 if level == "FORMAL" else 5)
                    took = rng.choices((rng.randrange(1, 10), rng.randrange(10, 40)), (80, 20))[0]
                    resolved: dt.date | None = days.add(t, took)
                    if resolved is not None and resolved > end:
                        resolved = None
                    drps.append(
                        (
                            child,
                            rng.choice(iro_ids),
                            t,
                            level,
                            rng.choice(("STAGE_1", "STAGE_1", "STAGE_2", "STAGE_3")),
                            rng.choice(SW_TEAMS),
                            rng.choice(DRP_CATEGORIES),
                            due,
                            resolved,
                            "RESOLVED" if resolved else None,
                        )
                    )
            for _ in range(_poisson(rng, yearly_pa * scale / 253)):
                pas.append(
                    (
                        rng.choice(open_children),
                        rng.choice(iro_ids),
                        t,
                        rng.choice(SW_TEAMS),
                        rng.choice(PA_THEMES),
                    )
                )
            for _ in range(_poisson(rng, 120 * scale / 253)):
                audits.append(
                    (
                        rng.choice(open_children),
                        rng.choice(iro_ids),
                        t,
                        "MIDWAY",
                        "Mid-way review",
                        rng.choices(JUDGEMENTS, (10, 60, 25, 5))[0],
                    )
                )
            if t.day <= 5 and t.month in (6, 9, 12, 3) and rng.random() < 0.6:
                theme = rng.choice(AUDIT_THEMES)
                for _ in range(int(rng.randrange(15, 40) * scale)):
                    audits.append(
                        (
                            rng.choice(open_children),
                            rng.choice(iro_ids),
                            t,
                            "TARGETED",
                            theme,
                            rng.choices(JUDGEMENTS, (8, 62, 25, 5))[0],
                        )
                    )
            for group, per_year in (
                ("CHILD", 170),
                ("PARENT", 40),
                ("CARER", 38),
                ("PROFESSIONAL", 70),
            ):
                for _ in range(_poisson(rng, per_year * scale / 253)):
                    rid = f"F{len(feedback) + 1:08d}"
                    iro = rng.choice(iro_ids)
                    for code, text, p_yes in QUESTIONS[group]:
                        roll = rng.random()
                        answer = (
                            "YES"
                            if roll < p_yes * 0.97
                            else "NOT_ANSWERED"
                            if roll > 0.985
                            else rng.choice(("NO", "PARTLY"))
                        )
                        comment = rng.choice(
                            (
                                "",
                                "",
                                "",
                                "My IRO listens and understands",
                                "Delays in minutes being sent",
                                "Liked doing it virtually",
                            )
                        )
                        feedback.append((rid, group, t, code, text, answer, iro, comment))
        t += dt.timedelta(days=1)
    out.write(
        "drps",
        (
            "drp_id",
            "child_id",
            "raised_by",
            "raised_date",
            "level",
            "stage",
            "sw_team",
            "issue_category",
            "response_due_date",
            "resolved_date",
            "outcome",
        ),
        [(f"Q{i + 1:07d}", *d) for i, d in enumerate(drps)],
    )
    out.write(
        "practice_acknowledgements",
        ("pa_id", "child_id", "raised_by", "raised_date", "sw_team", "theme"),
        [(f"G{i + 1:07d}", *p) for i, p in enumerate(pas)],
    )
    out.write(
        "audits",
        ("audit_id", "child_id", "auditor_id", "audit_date", "audit_type", "theme", "judgement"),
        [(f"U{i + 1:07d}", *a) for i, a in enumerate(audits)],
    )
    out.write(
        "feedback",
        (
            "response_id",
            "respondent_group",
            "response_date",
            "question_code",
            "question_text",
            "answer",
            "iro_id",
            "comment",
        ),
        feedback,
    )
