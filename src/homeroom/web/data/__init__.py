"""The data behind each web page, read from a prepared serving file and scoped to the user.

Every function takes the serving data (`homeroom.web.snapshot.open_serving`) and the
user's `homeroom.web.scope.Scope`. Functions that return student rows filter with
`scope.student_filter()` and raise ScopeError for aggregate-only roles; school pages call
`scope.require_school`. Results are small frozen dataclasses and pandas frames whose columns
are named in the district's words (`titled(frame)` gives export headers).
"""

from homeroom.web.data.common import COLUMN_TITLES, StudentNotFound, titled
from homeroom.web.data.contacts import student_contacts
from homeroom.web.data.datapage import DataPage, MonitorFinding, data_page
from homeroom.web.data.equity import Equity, EquityGroup, EquityTable, equity
from homeroom.web.data.overview import (
    DistrictOverview,
    SchoolOverview,
    district_overview,
    school_overview,
)
from homeroom.web.data.schools import SchoolList, school_list
from homeroom.web.data.search import StudentSearch, student_search
from homeroom.web.data.student_page import StudentDetail, StudentStanding, student_detail
from homeroom.web.data.students import GROUP_FILTERS, SORTS, StudentPage, student_list

__all__ = [
    "COLUMN_TITLES",
    "GROUP_FILTERS",
    "SORTS",
    "DataPage",
    "DistrictOverview",
    "Equity",
    "EquityGroup",
    "EquityTable",
    "MonitorFinding",
    "SchoolList",
    "SchoolOverview",
    "StudentDetail",
    "StudentNotFound",
    "StudentPage",
    "StudentSearch",
    "StudentStanding",
    "data_page",
    "district_overview",
    "equity",
    "school_list",
    "school_overview",
    "student_contacts",
    "student_detail",
    "student_list",
    "student_search",
    "titled",
]
