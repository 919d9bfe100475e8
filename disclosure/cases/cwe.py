"""The CWE weaknesses offered in the report form, by id (names from MITRE's CWE list).

The form offers these; the API and the form accept any well-formed id ("CWE-" and a number),
because the catalogue has over 900 entries and a valid rarer one must not be refused.
"""

# ruff: noqa: E501  (official CWE names are kept whole, whatever their length)
from __future__ import annotations

import re

from disclosure.errors import ValidationError

COMMON_WEAKNESSES: dict[str, str] = {
    "CWE-20": "Improper Input Validation",
    "CWE-22": "Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')",
    "CWE-74": (
        "Improper Neutralization of Special Elements in Output Used by a Downstream Component ('Injection')"
    ),
    "CWE-77": "Improper Neutralization of Special Elements used in a Command ('Command Injection')",
    "CWE-78": (
        "Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')"
    ),
    "CWE-79": (
        "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"
    ),
    "CWE-88": "Improper Neutralization of Argument Delimiters in a Command ('Argument Injection')",
    "CWE-89": (
        "Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')"
    ),
    "CWE-91": "XML Injection (aka Blind XPath Injection)",
    "CWE-94": "Improper Control of Generation of Code ('Code Injection')",
    "CWE-113": (
        "Improper Neutralization of CRLF Sequences in HTTP Headers ('HTTP Response Splitting')"
    ),
    "CWE-116": "Improper Encoding or Escaping of Output",
    "CWE-119": "Improper Restriction of Operations within the Bounds of a Memory Buffer",
    "CWE-120": "Buffer Copy without Checking Size of Input ('Classic Buffer Overflow')",
    "CWE-121": "Stack-based Buffer Overflow",
    "CWE-122": "Heap-based Buffer Overflow",
    "CWE-125": "Out-of-bounds Read",
    "CWE-129": "Improper Validation of Array Index",
    "CWE-134": "Use of Externally-Controlled Format String",
    "CWE-190": "Integer Overflow or Wraparound",
    "CWE-191": "Integer Underflow (Wrap or Wraparound)",
    "CWE-200": "Exposure of Sensitive Information to an Unauthorized Actor",
    "CWE-203": "Observable Discrepancy",
    "CWE-209": "Generation of Error Message Containing Sensitive Information",
    "CWE-250": "Execution with Unnecessary Privileges",
    "CWE-269": "Improper Privilege Management",
    "CWE-276": "Incorrect Default Permissions",
    "CWE-284": "Improper Access Control",
    "CWE-285": "Improper Authorization",
    "CWE-287": "Improper Authentication",
    "CWE-290": "Authentication Bypass by Spoofing",
    "CWE-294": "Authentication Bypass by Capture-replay",
    "CWE-295": "Improper Certificate Validation",
    "CWE-306": "Missing Authentication for Critical Function",
    "CWE-307": "Improper Restriction of Excessive Authentication Attempts",
    "CWE-311": "Missing Encryption of Sensitive Data",
    "CWE-312": "Cleartext Storage of Sensitive Information",
    "CWE-319": "Cleartext Transmission of Sensitive Information",
    "CWE-326": "Inadequate Encryption Strength",
    "CWE-327": "Use of a Broken or Risky Cryptographic Algorithm",
    "CWE-330": "Use of Insufficiently Random Values",
    "CWE-345": "Insufficient Verification of Data Authenticity",
    "CWE-346": "Origin Validation Error",
    "CWE-347": "Improper Verification of Cryptographic Signature",
    "CWE-352": "Cross-Site Request Forgery (CSRF)",
    "CWE-362": (
        "Concurrent Execution using Shared Resource with Improper Synchronization ('Race Condition')"
    ),
    "CWE-367": "Time-of-check Time-of-use (TOCTOU) Race Condition",
    "CWE-384": "Session Fixation",
    "CWE-400": "Uncontrolled Resource Consumption",
    "CWE-401": "Missing Release of Memory after Effective Lifetime",
    "CWE-415": "Double Free",
    "CWE-416": "Use After Free",
    "CWE-426": "Untrusted Search Path",
    "CWE-434": "Unrestricted Upload of File with Dangerous Type",
    "CWE-444": "Inconsistent Interpretation of HTTP Requests ('HTTP Request/Response Smuggling')",
    "CWE-476": "NULL Pointer Dereference",
    "CWE-502": "Deserialization of Untrusted Data",
    "CWE-521": "Weak Password Requirements",
    "CWE-522": "Insufficiently Protected Credentials",
    "CWE-532": "Insertion of Sensitive Information into Log File",
    "CWE-601": "URL Redirection to Untrusted Site ('Open Redirect')",
    "CWE-611": "Improper Restriction of XML External Entity Reference",
    "CWE-613": "Insufficient Session Expiration",
    "CWE-614": "Sensitive Cookie in HTTPS Session Without 'Secure' Attribute",
    "CWE-639": "Authorization Bypass Through User-Controlled Key",
    "CWE-640": "Weak Password Recovery Mechanism for Forgotten Password",
    "CWE-668": "Exposure of Resource to Wrong Sphere",
    "CWE-732": "Incorrect Permission Assignment for Critical Resource",
    "CWE-754": "Improper Check for Unusual or Exceptional Conditions",
    "CWE-770": "Allocation of Resources Without Limits or Throttling",
    "CWE-776": (
        "Improper Restriction of Recursive Entity References in DTDs ('XML Entity Expansion')"
    ),
    "CWE-787": "Out-of-bounds Write",
    "CWE-798": "Use of Hard-coded Credentials",
    "CWE-824": "Access of Uninitialized Pointer",
    "CWE-829": "Inclusion of Functionality from Untrusted Control Sphere",
    "CWE-835": "Loop with Unreachable Exit Condition ('Infinite Loop')",
    "CWE-843": "Access of Resource Using Incompatible Type ('Type Confusion')",
    "CWE-862": "Missing Authorization",
    "CWE-863": "Incorrect Authorization",
    "CWE-908": "Use of Uninitialized Resource",
    "CWE-915": "Improperly Controlled Modification of Dynamically-Determined Object Attributes",
    "CWE-917": (
        "Improper Neutralization of Special Elements used in an Expression Language Statement ('Expression Language Injection')"
    ),
    "CWE-918": "Server-Side Request Forgery (SSRF)",
    "CWE-942": "Permissive Cross-domain Policy with Untrusted Domains",
    "CWE-1004": "Sensitive Cookie Without 'HttpOnly' Flag",
    "CWE-1021": "Improper Restriction of Rendered UI Layers or Frames",
    "CWE-1236": "Improper Neutralization of Formula Elements in a CSV File",
    "CWE-1321": (
        "Improperly Controlled Modification of Object Prototype Attributes ('Prototype Pollution')"
    ),
    "CWE-1333": "Inefficient Regular Expression Complexity",
    "CWE-1336": "Improper Neutralization of Special Elements Used in a Template Engine",
}

_CWE_ID = re.compile(r"^CWE-[1-9][0-9]{0,4}$")
CWE_PATTERN = "(?:[Cc][Ww][Ee]-)?[1-9][0-9]{0,4}"  # what check_cwe accepts, once trimmed


def check_cwe(value: str, *, field: str = "cwe") -> str:
    """The normalised id ("CWE-79"); ValidationError naming `field` when malformed."""
    normalised = value.strip().upper()
    if normalised.isdigit():
        normalised = f"CWE-{normalised}"
    if not _CWE_ID.match(normalised):
        raise ValidationError("Invalid CWE id.", fields={field: "Give a CWE id such as CWE-79."})
    return normalised


def cwe_label(cwe_id: str) -> str:
    """ "CWE-79: Improper Neutralization ..." or the bare id when the name is not listed."""
    name = COMMON_WEAKNESSES.get(cwe_id)
    return f"{cwe_id}: {name}" if name else cwe_id
