"""Password rules and hashing.

Strength is estimated by zxcvbn (Dropbox's estimator, with the common-password and word lists it
carries): a password must score at least 3 of 4 for staff (institution, government, admin — their
accounts see other people's data) and 2 for enterprises, with the user's own phone, name and
organisation counted against it. The same policy is published at `GET /auth/password-policy`."""

import re
import threading

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from xyd_common.errors import ValidationFailed

MIN_LENGTH = 8
# Also the schemas' limit; zxcvbn's cost grows with the length, so nothing longer is ever scored.
MAX_LENGTH = 128
MIN_SCORE = {"enterprise": 2, "institution": 3, "government": 3, "admin": 3}
HINTS = [
    f"长度 {MIN_LENGTH} 到 {MAX_LENGTH} 位，须同时包含字母和数字",
    "不要使用常见密码（如 password1、abc12345）、键盘顺序、重复字符或年份日期",
    "不要包含手机号、姓名、企业或机构名称",
    "几个不相关的词加数字，比单个词加符号更难猜",
]
# zxcvbn's warning (English) -> why, in Chinese: matched by the start of the warning.
WARNINGS = (
    (("This is a top-", "This is a very common", "This is similar to a commonly"), "这是常见密码，很容易被猜到"),
    (("Repeats like", "Avoid repeated"), "包含重复的字符或词"),
    (("Sequences like", "Avoid sequences"), "包含 abc、123 这样的顺序"),
    (("Straight rows", "Short keyboard", "Use a longer keyboard"), "包含键盘上相邻按键的组合"),
    (("Recent years", "Dates are", "Avoid dates", "Avoid recent years", "Avoid years"), "包含年份或日期"),
    (("A word by itself", "Names and surnames", "Common names"), "单个单词或姓名很容易被猜到"),
)
# zxcvbn keeps the caller's words in a module-level dictionary while it scores: one at a time.
_ZXCVBN_LOCK = threading.Lock()


# scrypt with werkzeug's default parameters (N=2^15, r=8, p=1): a current memory-hard algorithm. Under
# TESTING the same algorithm at a cost 32 times lower: the tests hash hundreds of passwords. A hash
# names its own parameters, so checking works whatever the cost it was made with.
HASH_METHOD = "scrypt"
TESTING_HASH_METHOD = "scrypt:1024:8:1"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=TESTING_HASH_METHOD if current_app.testing else HASH_METHOD)


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


def password_policy(role: str) -> dict:
    """What a new password of a `role` user must meet, for pages to show before typing."""
    return {"min_length": MIN_LENGTH, "max_length": MAX_LENGTH, "min_score": MIN_SCORE[role], "hints": HINTS}


def strength_problems(password: str, role: str, context: list[str]) -> list[str]:
    """Why zxcvbn finds `password` too easy to guess for a `role` user (empty when it is not);
    `context` holds the user's own data (phone, names), which make a password easy to guess."""
    with _ZXCVBN_LOCK:
        result = zxcvbn(password[:MAX_LENGTH], user_inputs=[c for c in context if c], max_length=MAX_LENGTH)
    if result["score"] >= MIN_SCORE[role]:
        return []
    if any(match.get("dictionary_name") == "user_inputs" for match in result["sequence"]):
        return ["包含手机号、姓名、企业或机构名称，容易被猜到"]
    warning = result["feedback"]["warning"] or ""
    for starts, why in WARNINGS:
        if warning.startswith(starts):
            return [f"密码强度不足：{why}"]
    return ["密码强度不足：请使用更长、更不易猜到的组合，例如几个不相关的词加数字"]


def check_new_password(new_password: str, current_hash: str | None = None, field: str = "new_password",
                       role: str = "enterprise", context: list[str] | None = None) -> None:
    """At least 8 characters with letters and digits, strong enough for the role (zxcvbn), not the
    initial password, not the current one."""
    problems = []
    if len(new_password) < MIN_LENGTH:
        problems.append(f"密码长度至少 {MIN_LENGTH} 位")
    if not re.search(r"[A-Za-z]", new_password) or not re.search(r"\d", new_password):
        problems.append("密码须同时包含字母和数字")
    if new_password == current_app.config["INITIAL_PASSWORD"]:
        problems.append("不能使用初始密码")
    if not problems:
        problems += strength_problems(new_password, role, context or [])
    if current_hash and verify_password(current_hash, new_password):
        problems.append("新密码不能与当前密码相同")
    if problems:
        raise ValidationFailed({field: problems}, code="weak_password", message="密码不符合要求")
