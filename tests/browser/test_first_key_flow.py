"""Issue 2's acceptance path in a real browser: sign up → verify (e-mail) → create a key → that key, sent
the way the stock ComfyUI frontend sends it from a non-whitelisted https page, returns the customer."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from django.core import mail

from accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMFYUI_PAGE = "https://comfy.studio.example"  # an https origin nobody put on the authorized list


def test_it_takes_a_new_user_from_signup_to_a_working_comfyui_key(page: Any, site_url: str) -> None:
    page.goto("/signup")
    page.fill("input[name=email]", "ada@example.com")
    page.fill("input[name=name]", "Ada Lovelace")
    page.fill("input[name=password]", "an engine for weaving algebraic patterns")
    page.click("button:has-text('Create account')")
    page.wait_for_url("**/signup/sent")

    link = re.search(r"https?://\S+/verify-email/\S+", str(mail.outbox[-1].body))
    assert link, mail.outbox[-1].body
    page.goto(urlsplit(link.group(0)).path)  # verifies and signs in, in the browser that signed up
    page.wait_for_url("**/dashboard")
    assert User.objects.get(email="ada@example.com").is_verified

    page.goto("/keys")
    page.fill("input[name=name]", "Studio PC")
    page.click("button:has-text('Create key')")
    key = page.inner_text("#new-api-key").strip()
    assert re.fullmatch(r"comfyui-[A-Za-z0-9]{64}", key)

    # What ComfyUI's frontend does after "Log in with API key": POST /customers with X-API-KEY.
    reply = httpx.post(
        f"{site_url}/customers",
        json={"signup_source": "localhost"},
        headers={"X-API-KEY": key, "Origin": COMFYUI_PAGE},
    )
    assert reply.status_code == 201, reply.text
    assert reply.headers["Access-Control-Allow-Origin"] == COMFYUI_PAGE
    customer = reply.json()
    assert customer["email"] == "ada@example.com"
    assert customer["id"] == str(User.objects.get(email="ada@example.com").public_id)
    assert customer["name"] == "Ada Lovelace"

    again = httpx.post(f"{site_url}/customers", json={}, headers={"X-API-KEY": key, "Origin": COMFYUI_PAGE})
    assert again.status_code == 200
