"""The attendance spreadsheet's layout: its columns in the district's words, and the header
variants a district's own sheet may use for each of them.

The layout follows the free tracking tools districts keep (Attendance Works' DATT and SATT,
the SIS extracts that fill them such as Aeries' "Attendance Works" extract, and state tools
like them): one row per student and school, with school, grade, days enrolled, days absent
split into excused, unexcused and suspension, demographics and program flags, and the computed
absence rate, chronic absence flag and tier.
"""

from __future__ import annotations

import re

from homeroom.contract.schema import STUDENT_FLAGS

# Fields of one spreadsheet row, in the order the export writes them, with the header it uses.
HEADERS: dict[str, str] = {
    "school_year": "School Year",
    "year_ending": "Year Ending",
    "district_id": "District ID",
    "district_name": "District",
    "school_id": "School ID",
    "school_name": "School",
    "student_id": "Student ID",
    "last_name": "Last Name",
    "first_name": "First Name",
    "birth_date": "Birth Date",
    "grade_level": "Grade",
    "sex": "Gender",
    "race_ethnicity": "Race/Ethnicity",
    "economically_disadvantaged": "Economically Disadvantaged",
    "english_learner": "English Learner",
    "students_with_disabilities": "Students with Disabilities",
    "section_504": "Section 504",
    "homeless": "Homeless",
    "foster_care": "Foster Care",
    "migrant": "Migrant",
    "military_connected": "Military Connected",
    "home_language": "Home Language",
    "days_enrolled": "Days Enrolled",
    "days_present": "Days Present",
    "days_absent": "Days Absent",
    "excused": "Excused",
    "unexcused": "Unexcused",
    "suspensions": "Suspensions",
    "other_absence": "Other Absence",
    "attendance_rate": "Attendance Rate",
    "absence_rate": "Absence Rate",
    "chronically_absent": "Chronically Absent",
    "tier": "Tier",
    "tardies": "Tardies",
    "tardy_days": "Days Missed to Tardies",
    "early_departures": "Early Departures",
    "early_departure_days": "Days Missed to Early Departures",
}

# Absence amounts by reason; "other_absence" is what the definition counts beyond the three
# (late arrivals and early departures, as parts of days).
CATEGORY_FIELDS = ("excused", "unexcused", "suspensions", "other_absence")
DAY_FIELDS = ("days_enrolled", "days_present", "days_absent", *CATEGORY_FIELDS)
# Columns the spreadsheet computes; the import leaves them aside and Homeroom recomputes them.
COMPUTED_FIELDS = ("attendance_rate", "absence_rate", "chronically_absent", "tier")
# Late arrivals and early departures: not absences, reported beside them. A year total has no
# dates to place them on, so the import leaves them aside too.
TIME_MISSED_FIELDS = ("tardies", "tardy_days", "early_departures", "early_departure_days")

# Header variants, compared after `header_key` (lower case, letters and digits only).
_ALIASES: dict[str, tuple[str, ...]] = {
    "school_year": ("schoolyear", "year", "sy", "academicyear", "schoolyr"),
    # The year as a number, named by the calendar year it ends (2025 is 2024-25).
    "year_ending": ("yearending", "schoolyearending", "endyear", "schoolyearend", "endingyear"),
    "district_id": ("districtid", "districtcode", "districtnumber", "leaid", "leacode"),
    "district_name": ("district", "districtname", "lea", "leaname"),
    "school_id": (
        "schoolid",
        "schoolcode",
        "schoolnumber",
        "schoolno",
        "schoolnum",
        "siteid",
        "sitecode",
        "sitenumber",
        "locationid",
        "locationcode",
        "buildingid",
        "buildingcode",
    ),
    "school_name": ("school", "schoolname", "site", "sitename", "campus", "building", "location"),
    "student_id": (
        "studentid",
        "studentnumber",
        "studentno",
        "studentnum",
        "stuid",
        "studentidnumber",
        "localstudentid",
        "localid",
        "permid",
        "permanentid",
        "id",
    ),
    "state_student_id": ("ssid", "statestudentid", "statestudentidentifier", "stateid", "sasid"),
    "last_name": ("lastname", "studentlastname", "surname", "familyname", "last"),
    "first_name": ("firstname", "studentfirstname", "givenname", "first"),
    "student_name": ("studentname", "name", "fullname", "student"),
    "birth_date": ("birthdate", "dateofbirth", "dob", "birthday"),
    "grade_level": ("grade", "gradelevel", "gr", "grd", "currentgrade", "gradelvl"),
    "sex": ("gender", "sex"),
    "race_ethnicity": (
        "raceethnicity",
        "race",
        "ethnicity",
        "raceandethnicity",
        "ethnicityrace",
        "federalraceethnicity",
        "reportingrace",
    ),
    "economically_disadvantaged": (
        "economicallydisadvantaged",
        "econdisadvantaged",
        "ecodis",
        "socioeconomicallydisadvantaged",
        "sed",
        "lowincome",
        "freereducedlunch",
        "freeandreducedlunch",
        "freereducedmeals",
        "frl",
        "frpl",
        "frlstatus",
    ),
    "english_learner": (
        "englishlearner",
        "englishlearners",
        "el",
        "ell",
        "lep",
        "englishlanguagelearner",
        "limitedenglishproficient",
        "elstatus",
    ),
    "students_with_disabilities": (
        "studentswithdisabilities",
        "studentwithdisabilities",
        "swd",
        "specialeducation",
        "specialed",
        "sped",
        "iep",
        "disability",
    ),
    "section_504": ("section504", "504", "504plan"),
    "homeless": ("homeless", "mckinneyvento", "homelessstatus"),
    "foster_care": ("fostercare", "foster", "fosteryouth"),
    "migrant": ("migrant", "migrantstatus"),
    "military_connected": ("militaryconnected", "military", "militaryfamily"),
    "home_language": ("homelanguage", "language", "primarylanguage"),
    "days_enrolled": (
        "daysenrolled",
        "enrolleddays",
        "daysinmembership",
        "membershipdays",
        "membership",
        "daysmembership",
        "totaldaysenrolled",
        "daysofenrollment",
        "daysinenrollment",
        "possibledays",
        "daysinsession",
    ),
    "days_present": ("dayspresent", "presentdays", "daysattended", "attended", "present"),
    "days_absent": (
        "daysabsent",
        "absentdays",
        "absences",
        "totalabsences",
        "totaldaysabsent",
        "absent",
        "totalabsent",
        "daysmissed",
    ),
    "excused": (
        "excused",
        "excusedabsences",
        "daysexcused",
        "excuseddays",
        "excusedabsent",
        "excusedabs",
        "daysabsentexcused",
    ),
    "unexcused": (
        "unexcused",
        "unexcusedabsences",
        "daysunexcused",
        "unexcuseddays",
        "unexcusedabs",
        "daysabsentunexcused",
    ),
    "suspensions": (
        "suspensions",
        "suspension",
        "suspended",
        "dayssuspended",
        "suspensiondays",
        "outofschoolsuspension",
        "outofschoolsuspensions",
        "oss",
        "ossdays",
    ),
    "other_absence": ("otherabsence", "otherabsences", "partialdays", "partialdayabsence"),
    "attendance_rate": ("attendancerate", "attendancepercent", "percentattendance"),
    "absence_rate": ("absencerate", "absencepercent", "percentabsent", "absentrate"),
    "chronically_absent": (
        "chronicallyabsent",
        "chronicabsence",
        "chronic",
        "chronicabsent",
        "chronicallyabsentyn",
    ),
    "tier": ("tier", "attendancetier", "absencetier", "attendancecategory"),
    "tardies": ("tardies", "tardy", "tardycount", "numberoftardies", "latearrivals"),
    "tardy_days": ("daysmissedtotardies", "tardydays", "tardydaysmissed", "latearrivaldays"),
    "early_departures": ("earlydepartures", "earlydeparture", "earlydismissals", "earlyout"),
    "early_departure_days": (
        "daysmissedtoearlydepartures",
        "earlydeparturedays",
        "earlydeparturedaysmissed",
    ),
}
ALIASES: dict[str, str] = {alias: name for name, names in _ALIASES.items() for alias in names}


def header_key(text: str) -> str:
    """A header as compared: '# Days Absent (Excused)' -> 'daysabsentexcused'."""
    return re.sub(r"[^a-z0-9]", "", str(text).lower().replace("&", "and"))


def field_of(header: object) -> str | None:
    if header is None:
        return None
    return ALIASES.get(header_key(str(header)))


# ---------------------------------------------------------------------------------- values
SEX_WORDS = {
    "f": "F",
    "female": "F",
    "girl": "F",
    "m": "M",
    "male": "M",
    "boy": "M",
    "x": "X",
    "nonbinary": "X",
}
RACE_WORDS = {
    "hispanic": "hispanic_latino",
    "latino": "hispanic_latino",
    "latina": "hispanic_latino",
    "latinx": "hispanic_latino",
    "hispaniclatino": "hispanic_latino",
    "hispanicorlatino": "hispanic_latino",
    "hispanicanylatino": "hispanic_latino",
    "white": "white",
    "caucasian": "white",
    "black": "black",
    "africanamerican": "black",
    "blackafricanamerican": "black",
    "blackorafricanamerican": "black",
    "asian": "asian",
    "asianamerican": "asian",
    "americanindian": "american_indian_alaska_native",
    "alaskanative": "american_indian_alaska_native",
    "nativeamerican": "american_indian_alaska_native",
    "americanindianalaskanative": "american_indian_alaska_native",
    "americanindianoralaskanative": "american_indian_alaska_native",
    "americanindianandalaskanative": "american_indian_alaska_native",
    "nativehawaiian": "native_hawaiian_pacific_islander",
    "pacificislander": "native_hawaiian_pacific_islander",
    "nativehawaiianpacificislander": "native_hawaiian_pacific_islander",
    "nativehawaiianorpacificislander": "native_hawaiian_pacific_islander",
    "nativehawaiianorotherpacificislander": "native_hawaiian_pacific_islander",
    "twoormore": "two_or_more",
    "twoormoreraces": "two_or_more",
    "multiracial": "two_or_more",
    "multirace": "two_or_more",
    "multiple": "two_or_more",
    "multipleraces": "two_or_more",
}
# The export's words for each canonical race/ethnicity (read back by RACE_WORDS).
RACE_LABELS = {
    "american_indian_alaska_native": "American Indian/Alaska Native",
    "asian": "Asian",
    "black": "Black/African American",
    "hispanic_latino": "Hispanic/Latino",
    "native_hawaiian_pacific_islander": "Native Hawaiian/Pacific Islander",
    "white": "White",
    "two_or_more": "Two or More Races",
}
GRADE_WORDS = {
    "k": "KG",
    "kg": "KG",
    "kn": "KG",
    "kdg": "KG",
    "kinder": "KG",
    "kindergarten": "KG",
    "pk": "PK",
    "prek": "PK",
    "p": "PK",
    "prekindergarten": "PK",
    "preschool": "PK",
    "tk": "TK",
    "transitionalkindergarten": "TK",
}
YES_WORDS = ("y", "yes", "true", "t", "1", "x")
NO_WORDS = ("n", "no", "false", "f", "0")
TIER_LABELS = {
    "satisfactory": "Satisfactory",
    "at_risk": "At Risk",
    "moderate_chronic": "Moderate Chronic",
    "severe_chronic": "Severe Chronic",
}
FLAG_FIELDS = STUDENT_FLAGS


def grade_of(raw: str) -> str | None:
    """'3', '03', '3rd', 'Grade 3', 'K', 'Kindergarten', 'Pre-K' -> the contract's grade."""
    key = header_key(raw)
    if key in GRADE_WORDS:
        return GRADE_WORDS[key]
    match = re.fullmatch(r"(?:grade|gr)?0*(\d{1,2})(?:st|nd|rd|th)?(?:grade)?", key)
    if match and 1 <= int(match.group(1)) <= 12:
        return f"{int(match.group(1)):02d}"
    return None


def school_year_of(raw: str) -> int | None:
    """'2024-25', '2024-2025', '2024/25', 'SY 2024-25', '2025' -> 2025 (the year it ends)."""
    text = str(raw).strip()
    match = re.search(r"(?<!\d)((?:19|20)\d\d)\s*[-/–—]\s*(\d{4}|\d{2})(?!\d)", text)
    if match:
        start = int(match.group(1))
        end_text = match.group(2)
        end = int(end_text) if len(end_text) == 4 else (start // 100) * 100 + int(end_text)
        if end < start:  # 1999-00
            end += 100
        return end if end == start + 1 else None
    match = re.fullmatch(r"(?:sy|school\s*year)?\s*((?:19|20)\d\d)(?:\.0)?", text, re.IGNORECASE)
    return int(match.group(1)) if match else None


def year_label(year: int) -> str:
    return f"{year - 1}-{year % 100:02d}"
