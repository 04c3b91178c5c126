"""Password rules and hashing."""

import re

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from xyd_common.errors import ValidationFailed


def hash_password(password: str) -> str:
    # scrypt (werkzeug's default parameters: N=2^15, r=8, p=1) — a current memory-hard algorithm.
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


def check_new_password(new_password: str, current_hash: str | None = None, field: str = "new_password") -> None:
    """At least 8 characters with letters and digits, not the initial password, not the current one."""
    problems = []
    if len(new_password) < 8:
        problems.append("密码长度至少 8 位")
    if not re.search(r"[A-Za-z]", new_password) or not re.search(r"\d", new_password):
        problems.append("密码须同时包含字母和数字")
    if new_password == current_app.config["INITIAL_PASSWORD"]:
        problems.append("不能使用初始密码")
    if current_hash and verify_password(current_hash, new_password):
        problems.append("新密码不能与当前密码相同")
    if problems:
        raise ValidationFailed({field: problems}, code="weak_password", message="密码不符合要求")
