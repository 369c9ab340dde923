"""Small built-in name lists: invented combinations, never real student data."""

from __future__ import annotations

# fmt: off
SCHOOL_NAMES = (
    "Maple", "Oak", "Cedar", "Willow", "Aspen", "Birch", "Pine", "Sycamore", "Magnolia",
    "Juniper", "Lincoln", "Washington", "Jefferson", "Roosevelt", "Adams", "Madison", "Monroe",
    "Jackson", "Franklin", "Kennedy", "Hamilton", "Garfield", "Grant", "Harrison", "Truman",
    "Riverside", "Lakeview", "Hillcrest", "Meadowbrook", "Sunset", "Highland", "Valley View",
    "Fairview", "Brookside", "Pleasant Hill", "Eastwood", "Westgate", "Northridge", "Southside",
    "Parkway", "Crestview", "Greenfield", "Stonebridge", "Mill Creek", "Prairie", "Canyon",
    "Summit", "Bayview", "Harbor", "Clearwater", "Foxhollow", "Eagle Ridge", "Tubman", "Chavez",
    "Douglass", "Carver", "Earhart", "Keller", "Mann", "Dewey", "Thoreau",
)
LEVEL_SUFFIX = (
    "Elementary School", "Middle School", "High School",
)
DISTRICT_PLACES = (
    "Cedar Valley", "River Bend", "Pine Ridge", "Lake County", "Harbor City", "North Plains",
    "Granite Falls", "Silver Creek", "Mesa Verde", "Willow Springs", "Brookfield", "Fairmont",
    "Redwood", "Clearfield", "Stone Harbor", "Elk Grove", "Sunny Hills", "Oak Park",
    "Maple Heights", "Prairie View", "Cottonwood", "Bluewater", "Iron Mountain", "Greenville",
)
DISTRICT_KINDS = (
    "Unified School District", "Public Schools", "School District", "County Schools",
    "Independent School District", "City Schools",
)
FIRST_NAMES_F = (
    "Olivia", "Emma", "Ava", "Sophia", "Isabella", "Mia", "Amelia", "Harper", "Evelyn", "Abigail",
    "Emily", "Ella", "Camila", "Luna", "Sofia", "Aaliyah", "Zoe", "Nora", "Lily", "Grace",
    "Valentina", "Ximena", "Maya", "Layla", "Chloe", "Aria", "Riley", "Hannah", "Naomi",
    "Jasmine", "Mei", "Linh", "Fatima", "Priya", "Imani", "Kiara", "Leah", "Ruby", "Alana",
)
FIRST_NAMES_M = (
    "Liam", "Noah", "Oliver", "Elijah", "James", "William", "Benjamin", "Lucas", "Henry", "Mateo",
    "Santiago", "Diego", "Jayden", "Ethan", "Mason", "Logan", "Jackson", "Aiden", "Sebastian",
    "Caleb", "Isaiah", "Josiah", "Malik", "Andre", "Omar", "Wei", "Minh", "Arjun", "Kai", "Ezra",
    "Leo", "Gabriel", "Angel", "Daniel", "Samuel", "Micah", "Carter", "Tyler",
)
LAST_NAMES_GENERAL = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Martin", "Thompson", "White", "Harris", "Clark", "Lewis",
    "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams",
    "Baker", "Nelson", "Carter", "Mitchell", "Roberts", "Campbell", "Parker", "Evans", "Edwards",
    "Collins", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Reed", "Bailey", "Bell",
)
LAST_NAMES_HISPANIC = (
    "Garcia", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Perez", "Sanchez",
    "Ramirez", "Torres", "Flores", "Rivera", "Gomez", "Diaz", "Reyes", "Cruz", "Morales", "Ortiz",
    "Gutierrez", "Chavez", "Ramos", "Ruiz", "Mendoza", "Castillo", "Vargas",
)
LAST_NAMES_ASIAN = (
    "Nguyen", "Kim", "Chen", "Wang", "Li", "Zhang", "Tran", "Patel", "Lee", "Liu", "Park", "Pham",
    "Huang", "Le", "Singh", "Yang", "Wu", "Shah", "Cho", "Lin",
)
LAST_NAMES_NATIVE = (
    "Begay", "Yazzie", "Tsosie", "Benally", "Redcloud", "Whitehorse",
)
LAST_NAMES_PACIFIC = (
    "Kealoha", "Kahale", "Tupou", "Faleolo", "Mahoe", "Palakiko",
)
# fmt: on
