"""Ed-Fi parents (Data Standard 3/4) and contacts (5) → the contacts table, through every path
the interop reads: JSON files, XML interchange, ODS table rows (and the API pull, which saves
the same JSON: `pull.OPTIONAL_RESOURCES`).

The Lakeview fixture (fixtures/lakeview-json, -xml) with hand-made families added: S1 (Ana
Ruiz) has her mother Rosa (primary, a home and a work phone, two emails, a home and a mailing
address, Spanish) and her father Tom, whom a court order keeps away; S2 has a grandmother from
Data Standard 5's contacts. S3 has no enrollment, so validation sets its contact aside.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pandas as pd

from homeroom.definitions import load_definition
from homeroom.interop import ImportResult, write_import
from homeroom.interop.edfi import import_edfi
from homeroom.interop.edfi.contacts import contacts_table, relationship
from homeroom.interop.edfi.ods_tables import read_ods_tables
from homeroom.interop.edfi.pull import OPTIONAL_RESOURCES

FIXTURES = Path(__file__).parent / "fixtures"
ED_FI = "uri://ed-fi.org"
HOME_MAIL = f"{ED_FI}/ElectronicMailTypeDescriptor#Home/Personal"

PARENTS = [
    {
        "parentUniqueId": "P1",
        "firstName": "Rosa",
        "lastSurname": "Ruiz",
        "telephones": [
            {
                "telephoneNumber": "555-0190",
                "telephoneNumberTypeDescriptor": f"{ED_FI}/TelephoneNumberTypeDescriptor#Work",
                "orderOfPriority": 2,
            },
            {
                "telephoneNumber": "555-0101",
                "telephoneNumberTypeDescriptor": f"{ED_FI}/TelephoneNumberTypeDescriptor#Home",
                "orderOfPriority": 1,
            },
        ],
        "electronicMails": [
            {
                "electronicMailAddress": "rosa@work.example.org",
                "electronicMailTypeDescriptor": f"{ED_FI}/ElectronicMailTypeDescriptor#Work",
            },
            {
                "electronicMailAddress": "rosa@example.org",
                "electronicMailTypeDescriptor": HOME_MAIL,
                "primaryEmailAddressIndicator": True,
            },
        ],
        "addresses": [
            {
                "addressTypeDescriptor": f"{ED_FI}/AddressTypeDescriptor#Mailing",
                "streetNumberName": "PO Box 9",
                "city": "Lakeview",
                "postalCode": "55400",
                "stateAbbreviationDescriptor": f"{ED_FI}/StateAbbreviationDescriptor#MN",
            },
            {
                "addressTypeDescriptor": f"{ED_FI}/AddressTypeDescriptor#Home",
                "streetNumberName": "12 Elm Street",
                "apartmentRoomSuiteNumber": "Apt 3",
                "city": "Lakeview",
                "postalCode": "55401",
                "stateAbbreviationDescriptor": f"{ED_FI}/StateAbbreviationDescriptor#MN",
            },
        ],
        "languages": [{"languageDescriptor": f"{ED_FI}/LanguageDescriptor#spa"}],
    },
    {"parentUniqueId": "P2", "firstName": "Tom", "lastSurname": "Ruiz"},
    {"parentUniqueId": "P3", "firstName": "Cal", "lastSurname": "Ode"},
]
ASSOCIATIONS = [
    {
        "parentReference": {"parentUniqueId": "P1"},
        "studentReference": {"studentUniqueId": "S1"},
        "relationDescriptor": f"{ED_FI}/RelationDescriptor#Mother",
        "primaryContactStatus": True,
    },
    {
        "parentReference": {"parentUniqueId": "P2"},
        "studentReference": {"studentUniqueId": "S1"},
        "relationDescriptor": f"{ED_FI}/RelationDescriptor#Father",
        "primaryContactStatus": False,
        "contactRestrictions": "Court order: no contact",
    },
    {
        "parentReference": {"parentUniqueId": "P3"},
        "studentReference": {"studentUniqueId": "S3"},
        "relationDescriptor": f"{ED_FI}/RelationDescriptor#StepFather",
    },
    {"parentReference": {"parentUniqueId": "P9"}, "studentReference": {"studentUniqueId": "S1"}},
]
CONTACTS_DS5 = [
    {
        "contactUniqueId": "C7",
        "firstName": "Mae",
        "lastSurname": "Lee",
        "languages": [{"languageDescriptor": f"{ED_FI}/LanguageDescriptor#kor"}],
    },
]
CONTACT_ASSOCIATIONS_DS5 = [
    {"contactReference": {"contactUniqueId": "C7"}, "studentReference": {"studentUniqueId": "S2"},
     "relationDescriptor": f"{ED_FI}/RelationDescriptor#Grandmother", "contactPriority": 1},
]  # fmt: skip

ROSA = {
    "student_id": "S1", "contact_id": "P1", "name": "Rosa Ruiz", "relationship": "mother",
    "phone": "555-0101", "email": "rosa@example.org", "language": "es",
    "address_line1": "12 Elm Street", "address_line2": "Apt 3", "city": "Lakeview",
    "state": "MN", "postal_code": "55401", "may_contact": "true", "is_primary": "true",
}  # fmt: skip
TOM = {"contact_id": "P2", "name": "Tom Ruiz", "relationship": "father", "phone": None,
       "may_contact": "false", "is_primary": "false"}  # fmt: skip
MAE = {"student_id": "S2", "contact_id": "C7", "name": "Mae Lee", "relationship": "grandmother",
       "language": "ko", "may_contact": "true", "is_primary": "true"}  # fmt: skip


def _json_source(tmp_path: Path) -> Path:
    folder = tmp_path / "json"
    shutil.copytree(FIXTURES / "lakeview-json", folder)
    for name, records in (
        ("parents", PARENTS),
        ("studentParentAssociations", ASSOCIATIONS),
        ("contacts", CONTACTS_DS5),
        ("studentContactAssociations", CONTACT_ASSOCIATIONS_DS5),
    ):
        (folder / f"{name}.json").write_text(json.dumps(records, indent=1), encoding="utf-8")
    return folder


def _by_id(frame: pd.DataFrame) -> dict[str, dict]:
    frame = frame.astype(object).where(frame.notna(), None)
    return {row["contact_id"]: row for row in frame.to_dict("records")}


def _has(row: dict, expected: dict) -> None:
    assert {k: row[k] for k in expected} == expected


def test_json_parents_and_contacts_become_contacts(tmp_path: Path) -> None:
    result = import_edfi(_json_source(tmp_path))
    contacts = _by_id(result.tables["contacts"])
    assert sorted(contacts) == ["C7", "P1", "P2", "P3"]
    _has(contacts["P1"], ROSA)
    _has(contacts["P2"], TOM)
    _has(contacts["C7"], MAE)
    assert contacts["P3"]["relationship"] == "step father"
    assert contacts["P1"]["source_file"] == "studentParentAssociations.json"
    rejected = result.rejected
    assert rejected[["table", "column", "reason"]].values.tolist() == [
        ["contacts", "contact_id", "parentUniqueId P9 is not in parents"]
    ]
    assert any("forbids contact" in note for note in result.notes)


def test_imported_contacts_load_and_the_student_without_a_stay_is_set_aside(tmp_path):
    result = import_edfi(_json_source(tmp_path))
    written = write_import(result, tmp_path / "out", definition=load_definition("default"))
    validation = written.validation
    assert validation.rows_loaded["contacts"] == 3  # P1, P2 (S1) and C7 (S2)
    quarantine = written.quarantine[written.quarantine["table"] == "contacts"]
    reasons = dict(zip(quarantine["stage"], quarantine["reason"], strict=True))
    assert reasons == {
        "import": "parentUniqueId P9 is not in parents",
        "validation": "student_id is not in students",  # P3 of S3, who has no enrollment
    }
    assert (tmp_path / "out" / "contacts.csv").exists()


def test_a_source_without_families_writes_no_contacts(tmp_path: Path) -> None:
    result = import_edfi(FIXTURES / "lakeview-json")
    assert "contacts" not in result.tables


PARENT_XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<InterchangeParent xmlns="http://ed-fi.org/4.0.0">
  <Parent id="PRNT_P1">
    <ParentUniqueId>P1</ParentUniqueId>
    <Name><FirstName>Rosa</FirstName><LastSurname>Ruiz</LastSurname></Name>
    <Address>
      <AddressType>uri://ed-fi.org/AddressTypeDescriptor#Mailing</AddressType>
      <StreetNumberName>PO Box 9</StreetNumberName><City>Lakeview</City>
      <StateAbbreviation>uri://ed-fi.org/StateAbbreviationDescriptor#MN</StateAbbreviation>
      <PostalCode>55400</PostalCode>
    </Address>
    <Address>
      <AddressType>uri://ed-fi.org/AddressTypeDescriptor#Home</AddressType>
      <StreetNumberName>12 Elm Street</StreetNumberName>
      <ApartmentRoomSuiteNumber>Apt 3</ApartmentRoomSuiteNumber><City>Lakeview</City>
      <StateAbbreviation>uri://ed-fi.org/StateAbbreviationDescriptor#MN</StateAbbreviation>
      <PostalCode>55401</PostalCode>
    </Address>
    <Telephone>
      <TelephoneNumber>555-0190</TelephoneNumber>
      <TelephoneNumberType>uri://ed-fi.org/TelephoneNumberTypeDescriptor#Work</TelephoneNumberType>
      <OrderOfPriority>2</OrderOfPriority>
    </Telephone>
    <Telephone>
      <TelephoneNumber>555-0101</TelephoneNumber>
      <TelephoneNumberType>uri://ed-fi.org/TelephoneNumberTypeDescriptor#Home</TelephoneNumberType>
      <OrderOfPriority>1</OrderOfPriority>
    </Telephone>
    <ElectronicMail>
      <ElectronicMailAddress>rosa@work.example.org</ElectronicMailAddress>
      <ElectronicMailType>uri://ed-fi.org/ElectronicMailTypeDescriptor#Work</ElectronicMailType>
    </ElectronicMail>
    <ElectronicMail>
      <ElectronicMailAddress>rosa@example.org</ElectronicMailAddress>
      <ElectronicMailType>uri://ed-fi.org/ElectronicMailTypeDescriptor#Home/Personal</ElectronicMailType>
      <PrimaryEmailAddressIndicator>true</PrimaryEmailAddressIndicator>
    </ElectronicMail>
    <Language>
      <Language>uri://ed-fi.org/LanguageDescriptor#spa</Language>
    </Language>
  </Parent>
  <Parent id="PRNT_P2">
    <ParentUniqueId>P2</ParentUniqueId>
    <Name><FirstName>Tom</FirstName><LastSurname>Ruiz</LastSurname></Name>
  </Parent>
  <StudentParentAssociation>
    <StudentReference><StudentIdentity><StudentUniqueId>S1</StudentUniqueId></StudentIdentity></StudentReference>
    <ParentReference ref="PRNT_P1"/>
    <Relation>uri://ed-fi.org/RelationDescriptor#Mother</Relation>
    <PrimaryContactStatus>true</PrimaryContactStatus>
  </StudentParentAssociation>
  <StudentParentAssociation>
    <StudentReference><StudentIdentity><StudentUniqueId>S1</StudentUniqueId></StudentIdentity></StudentReference>
    <ParentReference><ParentIdentity><ParentUniqueId>P2</ParentUniqueId></ParentIdentity></ParentReference>
    <Relation>uri://ed-fi.org/RelationDescriptor#Father</Relation>
    <PrimaryContactStatus>false</PrimaryContactStatus>
    <ContactRestrictions>Court order: no contact</ContactRestrictions>
  </StudentParentAssociation>
</InterchangeParent>
"""


def test_xml_interchange_parents_become_the_same_contacts(tmp_path: Path) -> None:
    folder = tmp_path / "xml"
    shutil.copytree(FIXTURES / "lakeview-xml", folder)
    (folder / "Parent.xml").write_text(PARENT_XML, encoding="utf-8")
    result = import_edfi(folder)
    contacts = _by_id(result.tables["contacts"])
    assert sorted(contacts) == ["P1", "P2"]
    _has(contacts["P1"], ROSA)
    _has(contacts["P2"], TOM)
    assert (contacts["P1"]["source_file"], contacts["P1"]["source_line"]) == ("Parent.xml", 46)
    assert result.rejected.empty


ODS = {
    "Student": "StudentUSI,StudentUniqueId\n11,S1\n12,S2\n",
    "Descriptor": """\
        DescriptorId,Namespace,CodeValue
        1,uri://ed-fi.org/RelationDescriptor,Mother
        2,uri://ed-fi.org/TelephoneNumberTypeDescriptor,Home
        3,uri://ed-fi.org/LanguageDescriptor,spa
        4,uri://ed-fi.org/StateAbbreviationDescriptor,MN
        5,uri://ed-fi.org/RelationDescriptor,Grandmother
        6,uri://ed-fi.org/AddressTypeDescriptor,Home
        7,uri://ed-fi.org/LanguageDescriptor,kor
        """,
    "Parent": "ParentUSI,ParentUniqueId,FirstName,LastSurname\n901,P1,Rosa,Ruiz\n",
    "ParentTelephone": "ParentUSI,TelephoneNumber,TelephoneNumberTypeDescriptorId,OrderOfPriority\n"
    "901,555-0101,2,1\n",
    "ParentElectronicMail": "ParentUSI,ElectronicMailAddress,PrimaryEmailAddressIndicator\n"
    "901,rosa@example.org,1\n",
    "ParentAddress": "ParentUSI,AddressTypeDescriptorId,StreetNumberName,ApartmentRoomSuiteNumber,"
    "City,StateAbbreviationDescriptorId,PostalCode\n901,6,12 Elm Street,Apt 3,Lakeview,4,55401\n",
    "ParentLanguage": "ParentUSI,LanguageDescriptorId\n901,3\n",
    "StudentParentAssociation": "ParentUSI,StudentUSI,RelationDescriptorId,PrimaryContactStatus\n"
    "901,11,1,1\n",
    "Contact": "ContactUSI,ContactUniqueId,FirstName,LastSurname\n77,C7,Mae,Lee\n",
    "ContactLanguage": "ContactUSI,LanguageDescriptorId\n77,7\n",
    "StudentContactAssociation": "ContactUSI,StudentUSI,RelationDescriptorId,ContactPriority\n"
    "77,12,5,1\n",
}


def test_ods_tables_of_parents_and_contacts_become_the_same_contacts(tmp_path: Path) -> None:
    for name, content in ODS.items():
        (tmp_path / f"{name}.csv").write_text(textwrap.dedent(content), encoding="utf-8")
    resources = read_ods_tables(tmp_path)
    result = ImportResult("Ed-Fi ODS tables", {})
    frame = contacts_table(resources, result)
    assert frame is not None
    contacts = _by_id(frame)
    _has(contacts["P1"], ROSA)
    _has(contacts["C7"], MAE)
    assert (contacts["P1"]["source_file"], contacts["P1"]["source_line"]) == (
        "StudentParentAssociation.csv",
        2,
    )


def test_the_api_pull_reads_parents_and_contacts_when_the_key_may() -> None:
    for resource in ("parents", "studentParentAssociations", "contacts",
                     "studentContactAssociations"):  # fmt: skip
        assert resource in OPTIONAL_RESOURCES


def test_relationship_is_the_code_value_in_lower_case_words() -> None:
    assert relationship(f"{ED_FI}/RelationDescriptor#Mother") == "mother"
    assert relationship(f"{ED_FI}/RelationDescriptor#StepMother") == "step mother"
    assert relationship("Father's significant other") == "father's significant other"
    assert relationship(None) is None
