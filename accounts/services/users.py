"""Sign-up, e-mail verification and profile edits."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User


class EmailTakenError(Exception):
    """Sign-up with an address that already has an account (compared case-insensitively)."""


def email_normalize(email: str) -> str:
    return email.strip().lower()


def user_signup(*, email: str, password: str, name: str = "") -> User:
    """Create an unverified account. The database's case-insensitive unique constraint decides a
    duplicate (insert and catch, never exists-then-insert), so two racing sign-ups cannot both win."""
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email=email_normalize(email), password=password, name=name.strip()
            )
    except IntegrityError as exc:
        raise EmailTakenError(email) from exc


def user_verify_email(*, user: User, email: str) -> bool:
    """Mark the address verified if the link was made for the user's current address. Idempotent: a
    second click keeps the first timestamp. Returns whether the address is (now) verified."""
    if email_normalize(email) != user.email:
        return False
    User.objects.filter(pk=user.pk, email_verified_at__isnull=True).update(email_verified_at=timezone.now())
    user.refresh_from_db(fields=["email_verified_at"])
    return True


def user_profile_update(*, user: User, name: str) -> User:
    user.name = name.strip()
    user.save(update_fields=["name"])
    return user
