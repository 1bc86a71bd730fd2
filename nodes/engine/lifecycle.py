"""The /proxy call lifecycle, top to bottom: design.md flow 2 for every vendor route.

    proxy()                 match the allow-list (401 before 404) → parse once → price the maximum
    CallLifecycle.run()     the rate limit (Redis, on the event loop: no database slot held), then by kind:
      metered (sync, submit)
        admit               authenticate, claim the Idempotency-Key, reserve: one transaction, one
                            durable commit
        ── from here the call runs to completion, whatever the client does (run_to_completion) ──
        forward             no transaction open, no database connection held
        settle              exactly once, in one transaction with the stored Idempotency-Key reply:
                            capture / release (sync), or open the vendor job (submit)
      poll                  find the job (owner-scoped, or by its signed token) → observe_job → record the
                            observation and settle on a terminal status (one step, shared with the sweeper)
      download              find the job that produced the file → forward
      free (uploads)        authenticate, claim the key → forward → store the reply

This module is the only place that knows the order of those steps; the database work is in
`nodes.engine.settle`, the vendor specifics in the `Vendor`/`Route` tables (`nodes.vendors`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from accounts.services.keys import key_spend_check
from comfyweb.auth import (
    Principal,
    aauthenticate_request,
    authenticate_request,
    credential_identity,
    key_digest,
)
from comfyweb.errors import ApiError
from nodes.engine import assets, bodies, forward, lookups, replies, routing, settle
from nodes.engine.dbsteps import db_after_upstream, db_before_upstream
from nodes.engine.headers import header, idempotency_key
from nodes.engine.idempotency import Idempotency, ReplayFound, Reply
from nodes.engine.polltokens import poll_url, unsign_poll_token
from nodes.engine.pricing import Quote, price_table_current, quote_compute
from nodes.engine.ratelimit import learn_key_owner, rate_limit_check
from nodes.engine.timing import Timing
from nodes.engine.types import NO_POLL, Call, LineItem, Observation, Route, Vendor
from nodes.models import JobState, ProxyJob, UsageStatus
from nodes.validation import validate_body
from nodes.vendors import VENDORS

logger = logging.getLogger(__name__)
T = TypeVar("T")


@csrf_exempt
async def proxy(request: HttpRequest, rest: str) -> HttpResponse:
    timing = Timing()
    found = await _match(request, rest)
    route = found.route
    try:
        body = await bodies.aparse(request, route)
        call = Call(params=found.params, query=found.query, body=body)
        items = route.price(call) if route.price is not None else []  # 400 / 422: nothing reserved
        validate_body(route, body, found.params)  # nodes/validation.py: 400 before anything is reserved
        # What is priced is what is forwarded (§4 rule 5), less fields only ComfyUI's own proxy reads.
        content = await bodies.aforward_bytes(body, route.drop_fields)
        idem_key = idempotency_key(request) if route.kind in ("sync", "submit", "upload", "step") else None
    except ApiError:
        if not route.public:
            await aauthenticate_request(request)  # 401 before 400: an anonymous caller learns nothing
        raise
    timing.stage("parse")
    lifecycle = CallLifecycle(
        request=request,
        vendor=found.vendor,
        route=route,
        call=call,
        items=items,
        content=content,
        timing=timing,
        idem=Idempotency.of(request, idem_key, body.raw),
    )
    response = (await lifecycle.run()).response
    if lifecycle.principal is not None and assets.wants_url(request) and assets.is_asset(response):
        response = await assets.as_url(response, user=lifecycle.principal.user)
    response["Server-Timing"] = timing.header()
    return response


async def _match(request: HttpRequest, rest: str) -> routing.Match:
    try:
        return routing.match(request, rest, VENDORS)
    except ApiError:
        await aauthenticate_request(request)  # 401 before 404: an anonymous caller learns nothing
        raise


# Admitted calls finishing after their client left: referenced here so the event loop never drops them.
_running: set[asyncio.Task[Any]] = set()


async def run_to_completion(work: Coroutine[Any, Any, T]) -> T:
    """Run `work` to its end even if this request is cancelled (the client disconnected; ComfyUI's
    interrupt closes the connection): the forward and the settle then finish without anyone waiting."""
    task = asyncio.ensure_future(work)
    _running.add(task)
    task.add_done_callback(_running.discard)
    return await asyncio.shield(task)


async def drain(timeout: float = 30.0) -> int:
    """Wait for admitted calls still finishing (for a graceful shutdown, and for tests); how many were."""
    pending = list(_running)
    if pending:
        await asyncio.wait(pending, timeout=timeout)
    return len(pending)


@dataclass(frozen=True)
class Admitted:
    upstream: forward.Upstream
    quote: Quote
    admission: settle.Admission

    @property
    def quoted(self) -> settle.Quoted:
        return settle.Quoted.of_quote(self.admission.ref.vendor, self.quote)


@dataclass
class CallLifecycle:
    request: HttpRequest
    vendor: Vendor
    route: Route
    call: Call
    items: list[LineItem]
    content: bytes | None
    timing: Timing
    idem: Idempotency | None = None
    principal: Principal | None = None
    settled: bool = field(default=False)  # the settling step committed: nothing is left to release

    async def run(self) -> Reply:
        polling = self.route.kind in ("poll", "download")
        await rate_limit_check(credential_identity(self.request), poll=polling)
        try:
            if self.route.kind == "poll":
                return await self._poll()
            if self.route.kind == "download":
                return await self._download()
            if self.route.kind == "step":
                return await self._step()
            if self.route.free:
                return await self._free()
            return await self._metered()
        except ReplayFound as found:
            return Reply(found.replay.response())

    # --- steps every flow shares -----------------------------------------------------------------------

    def _authenticated(self) -> Principal:
        """The caller, authenticated on the database thread inside the flow's first step."""
        if self.principal is None:
            self.principal = authenticate_request(self.request)
            self.timing.stage("auth")
            key = self.request.headers.get("X-API-KEY")
            if self.principal.api_key is not None and key:
                polling = self.route.kind in ("poll", "download")
                learn_key_owner(key_digest(key), str(self.principal.user.public_id), poll=polling)
        return self.principal

    def _claim(self) -> None:
        """Claim the Idempotency-Key (it belongs to the user, so after authentication)."""
        if self.idem is not None:
            self.idem.claim(user_id=self._authenticated().user.pk)

    def _finish(self, response: HttpResponse | None, *, reached_vendor: bool = True) -> HttpResponse | None:
        """Store the reply for Idempotency-Key replays (or free the key with None): in the settling step."""
        if self.idem is not None:
            self.idem.finish(Reply(response, reached_vendor) if response is not None else None)
        return response

    def _path(self, extra: dict[str, str] | None = None) -> str:
        return routing.fill(self.route.upstream, {**self.call.params, **self.call.query, **(extra or {})})

    async def _send(self, upstream: forward.Upstream, extra: dict[str, str] | None = None) -> httpx.Response:
        response = await forward.send(
            route=self.route,
            upstream=upstream,
            path=self._path(extra),
            content=self.content,
            content_type=self.call.body.content_type or "application/json",
        )
        self.timing.stage("upstream")
        return response

    def _unreachable(self, exc: Exception) -> ApiError:
        self.timing.stage("upstream")
        return ApiError(502, "upstream_unavailable", f"{self.vendor.title} could not be reached.")

    def _free_reply(self, response: httpx.Response) -> HttpResponse:
        if response.status_code >= 400 and response.status_code != 404:
            raise replies.vendor_error(response, self.vendor)
        return replies.passthrough(response)

    # --- metered calls: admit → forward → settle --------------------------------------------------------

    async def _metered(self) -> Reply:
        admitted = await db_before_upstream(self._admit)
        self.timing.stage("reserve")
        return await run_to_completion(self._forward_and_settle(admitted))

    @transaction.atomic  # one commit: a refused reservation (402/409) also un-claims the key
    def _admit(self) -> Admitted:
        principal = self._authenticated()
        upstream = forward.upstream_for(self.vendor)  # 503 for a live vendor without a key
        table = price_table_current()
        quote = quote_compute(vendor=self.vendor.name, items=self.items, table=table)
        self._claim()
        if principal.api_key is not None:  # a key with a spending limit (a hosted session's): 402 past it
            key_spend_check(key=principal.api_key, amount_micros=quote.total_micros)
        admission = settle.usage_admit(
            principal=principal,
            facts=self._facts(),
            quote=quote,
            markup_bps=table.markup_bps,
            ttl=self.route.ttl,
        )
        return Admitted(upstream, quote, admission)

    def _facts(self) -> settle.CallFacts:
        return settle.CallFacts(
            vendor=self.vendor.name,
            route=self.route.label,
            model=self.route.model(self.call)[:120],
            comfy_job_id=header(self.request, "Comfy-Job-Id"),
            usage_source=header(self.request, "Comfy-Usage-Source"),
            core_version=header(self.request, "Comfy-Core-Version"),
            comfy_env=header(self.request, "Comfy-Env"),
        )

    async def _forward_and_settle(self, admitted: Admitted) -> Reply:
        """Every way out of here resolves the hold (or records why it may still be billed)."""
        try:
            return await self._forward_and_settle_unguarded(admitted)
        except BaseException as exc:
            if not self.settled:
                # A bug in a vendor function, a cancelled event loop: release; the vendor may bill us.
                logger.exception("A /proxy call failed after its reservation")
                why = f"interrupted: {type(exc).__name__}"
                await self._settle_failure(admitted, UsageStatus.UNKNOWN, why, may_bill=True)
            raise

    async def _forward_and_settle_unguarded(self, admitted: Admitted) -> Reply:
        try:
            response = await self._send(admitted.upstream)
        except forward.NotSentError as exc:
            self.timing.stage("upstream")
            await self._settle_failure(admitted, UsageStatus.UPSTREAM_ERROR, str(exc), may_bill=False)
            status = 504 if "timeout" in type(exc.__cause__).__name__.lower() else 502
            raise ApiError(
                status,
                "upstream_unavailable",
                f"{self.vendor.title} could not be reached; nothing was charged.",
            ) from exc
        except forward.OutcomeUnknownError as exc:
            self.timing.stage("upstream")
            await self._settle_failure(admitted, UsageStatus.UNKNOWN, str(exc), may_bill=True)
            raise ApiError(
                424,
                "upstream_outcome_unknown",
                f"{self.vendor.title} did not answer in time; the outcome is unknown. Nothing was charged.",
            ) from exc
        if response.status_code >= 400:
            return await self._vendor_refused(admitted, response)
        data = replies.json_or_none(response)
        if self.route.kind == "submit":
            return await self._settle_submitted(admitted, response, data)
        return await self._settle_sync(admitted, response, data)

    async def _settle_failure(
        self,
        admitted: Admitted,
        status: UsageStatus,
        message: str,
        *,
        may_bill: bool,
        upstream: int | None = None,
        reply: HttpResponse | None = None,
    ) -> None:
        @transaction.atomic
        def run() -> None:
            self._usage_settle(admitted, status=status, message=message, may_bill=may_bill, upstream=upstream)
            self._finish(reply)

        await db_after_upstream(run)
        self.settled = True

    def _usage_settle(self, admitted: Admitted, **fields: Any) -> settle.Settled:
        return settle.usage_settle(
            ref=admitted.admission.ref,
            status=fields.pop("status"),
            upstream_status=fields.pop("upstream", None),
            upstream_ms=self.timing.ms("upstream"),
            total_ms=self.timing.total_ms(),
            api_name=self.vendor.title,
            **fields,
        )

    async def _vendor_refused(self, admitted: Admitted, response: httpx.Response) -> Reply:
        """A vendor 4xx is the vendor's answer (kept for replays); a 5xx or 429 is trouble (retried)."""
        error = replies.vendor_error(response, self.vendor)
        code = response.status_code
        if code >= 500 or code == 429:
            await self._settle_failure(
                admitted, UsageStatus.UPSTREAM_ERROR, error.message, may_bill=False, upstream=code
            )
            raise error
        refused = error.response()
        await self._settle_failure(
            admitted, UsageStatus.REJECTED, error.message, may_bill=False, upstream=code, reply=refused
        )
        return Reply(refused, reached_vendor=True)

    async def _settle_sync(self, admitted: Admitted, response: httpx.Response, data: Any) -> Reply:
        outcome = self.route.status(data, response.status_code)
        cost = self.route.cost(data, self.call) if outcome == "success" else None

        @transaction.atomic  # the capture, the usage row, the event and the stored reply: one commit
        def run() -> HttpResponse:
            charge = settle.call_charge(admitted.quoted, cost)
            usage = self._usage_settle(
                admitted,
                status=settle.outcome_status(outcome),
                charge_micros=charge.micros if outcome == "success" else 0,
                vendor_cost_micros=charge.vendor_cost_micros,
                upstream=response.status_code,
                message="" if outcome == "success" else f"vendor reported {outcome}",
            )
            reply = replies.passthrough(response)
            reply["X-Comfy-Credits-Used"] = replies.credits_header(usage.charged_micros)
            self._finish(reply)
            return reply

        settled = await db_after_upstream(run)
        self.settled = True
        self.timing.stage("settle")
        return Reply(settled if settled is not None else replies.passthrough(response), reached_vendor=True)

    async def _settle_submitted(self, admitted: Admitted, response: httpx.Response, data: Any) -> Reply:
        assert self.route.job_id is not None
        job_id = self.route.job_id(data)
        if not job_id:
            # Accepted with no job id: nothing to poll, nothing delivered. Release; the client shows the body.
            reply = replies.passthrough(response)
            await self._settle_failure(
                admitted,
                UsageStatus.FAILED,
                "no job id in the vendor reply",
                may_bill=False,
                upstream=response.status_code,
                reply=reply,
            )
            return Reply(reply, reached_vendor=True)
        cost = self.route.cost(data, self.call)
        rewrite = self.route.signed_poll_url
        context = dict(self.call.params)
        if len(admitted.quote.items) == 1:
            # A poll that settles on what was delivered (Poll.settled_cost) prices it in the quoted row.
            item = admitted.quote.items[0]
            context |= {"quote_key": item.key, "quote_units": str(item.quantity)}

        @transaction.atomic  # the job, the usage row and the stored reply: one commit
        def run() -> HttpResponse:
            reported = settle.call_charge(admitted.quoted, cost).vendor_cost_micros
            job = settle.job_open(
                admission=admitted.admission,
                facts=self._facts(),
                submit_path=self.request.path,
                vendor_job_id=job_id,
                result_ref=(self.route.result_ref(data) or "") if self.route.result_ref else "",
                context=context,
                vendor_cost_micros=reported,
                upstream_status=response.status_code,
                upstream_ms=self.timing.ms("upstream"),
                with_token=bool(rewrite),
            )
            if rewrite and isinstance(data, dict):
                # The vendor's polling URL needs our vendor key: hand out our own signed one (§5.3).
                data[rewrite] = poll_url(job)
                reply = replies.json_reply(data, response.status_code)
            else:
                reply = replies.passthrough(response)
            self._finish(reply)
            return reply

        submitted = await db_after_upstream(run)
        self.settled = submitted is not None
        self.timing.stage("settle")
        if submitted is None:
            if rewrite:
                # The job is not recorded and the vendor's polling URL needs our key: never hand it out.
                raise ApiError(503, "upstream_unavailable", "The platform is busy. Try again.")
            return Reply(replies.passthrough(response), reached_vendor=True)
        return Reply(submitted, reached_vendor=True)

    # --- polls, downloads and free calls ---------------------------------------------------------------

    async def _poll(self) -> Reply:
        job = await db_before_upstream(self._find_job)
        if job is None:
            poll = self.route.poll or NO_POLL
            if poll.lookup:
                # No job of the caller's: a free lookup of that id (Poll.lookup), of their own ids only
                # when the poll says so (Poll.lookup_owned).
                ref = self._job_ref()
                if poll.lookup_owned and not await lookups.owned(self._user_pk(), self.vendor.name, ref):
                    raise unknown_job()
                return await self._free({"job": ref})
            raise unknown_job()
        try:
            response, seen = await observe_job(self.vendor, self.route, job)
        except (forward.NotSentError, forward.OutcomeUnknownError) as exc:
            raise self._unreachable(exc) from exc
        self.timing.stage("upstream")
        if seen is None:
            return Reply(self._free_reply(response), reached_vendor=True)
        usage = await db_after_upstream(lambda: record_observation(self.vendor, self.route, job, seen))
        self.timing.stage("settle")
        if seen.gone:
            raise unknown_job()
        reply = replies.passthrough(response)
        if usage is not None and usage.status != UsageStatus.SUBMITTED:
            reply["X-Comfy-Credits-Used"] = replies.credits_header(usage.charged_micros)
        return Reply(reply, reached_vendor=True)

    def _find_job(self) -> ProxyJob | None:
        if self.route.public:  # the signed, credential-free polling URL (one job)
            token = unsign_poll_token(self.call.params["token"])
            job = settle.job_for_token(token=token) if token else None
            return job if job is not None and job.vendor == self.vendor.name else None
        job_ref = self._job_ref()
        user = self._authenticated().user
        for vendor in (self.vendor.name, *(self.route.poll or NO_POLL).job_vendors):
            job = settle.job_for_user(user=user, vendor=vendor, vendor_job_id=job_ref)
            if job is not None:
                return job
        return None

    def _job_ref(self) -> str:
        poll = self.route.poll
        if poll is None or poll.job_ref is None:
            raise unknown_job()  # a route table mistake; never reached by a routed poll
        return poll.job_ref(self.call)

    async def _download(self) -> Reply:
        """A follow-up lookup (MiniMax files/retrieve): only for a file one of the caller's own jobs made."""
        ref = self._job_ref()

        def lookup() -> ProxyJob | None:
            user = self._authenticated().user
            return settle.job_for_result(user=user, vendor=self.vendor.name, result_ref=ref)

        if await db_before_upstream(lookup) is None:
            raise unknown_job()
        try:
            response = await self._send(forward.upstream_for(self.vendor))
        except (forward.NotSentError, forward.OutcomeUnknownError) as exc:
            raise self._unreachable(exc) from exc
        return Reply(self._free_reply(response), reached_vendor=True)

    async def _step(self) -> Reply:
        """A follow-up call on one of the caller's jobs (Topaz accept / complete-upload): only while the job
        is open, so its hold still covers what the vendor is committed to; then forwarded like a free call."""
        ref = self._job_ref()

        def lookup() -> ProxyJob | None:
            user = self._authenticated().user
            return settle.job_for_user(user=user, vendor=self.vendor.name, vendor_job_id=ref)

        job = await db_before_upstream(lookup)
        if job is None:
            raise unknown_job()
        if job.state != JobState.OPEN:
            raise ApiError(409, "job_closed", "This job has ended; nothing more can be done with it.")
        return await self._free()

    async def _free(self, path_extra: dict[str, str] | None = None) -> Reply:
        upstream = forward.upstream_for(self.vendor)

        def check() -> None:
            self._authenticated()
            self._claim()

        await db_before_upstream(check)
        try:
            try:
                response = await self._send(upstream, path_extra)
            except (forward.NotSentError, forward.OutcomeUnknownError) as exc:
                raise self._unreachable(exc) from exc
            reply = self._free_reply(response)
        except BaseException:
            await db_after_upstream(lambda: self._finish(None))  # a retry runs again
            raise
        await db_after_upstream(lambda: self._finish(reply))
        if self.route.lookup_ref is not None and 200 <= response.status_code < 300:
            ref = self.route.lookup_ref(replies.json_or_none(response))
            if ref:
                await lookups.remember(self._user_pk(), self.vendor.name, ref)
        return Reply(reply, reached_vendor=True)

    def _user_pk(self) -> int:
        return int(self._authenticated().user.pk)


def unknown_job() -> ApiError:
    return ApiError(404, "not_found", "No such job.")


# --- observing a vendor job: the user's poll and the sweeper's are one request and one database step -----


def poll_request(route: Route, job: ProxyJob) -> tuple[str, bytes | None]:
    """The upstream path and body of a poll, from server state only: the job's vendor id and the submit's
    context, never what the client sent."""
    path = routing.fill(route.upstream, {**job.context, "job": job.vendor_job_id})
    poll = route.poll or NO_POLL
    body = poll.body(job.vendor_job_id) if poll.body else None
    return path, (bodies.json_bytes(body) if body is not None else None)


async def observe_job(
    vendor: Vendor, route: Route, job: ProxyJob
) -> tuple[httpx.Response, Observation | None]:
    """Ask the vendor about one job: its reply, and what it says (None for a vendor error reply).

    Raises forward.NotSentError / OutcomeUnknownError when the vendor could not be asked."""
    path, content = poll_request(route, job)
    response = await forward.send(
        route=route,
        upstream=forward.upstream_for(vendor),
        path=path,
        content=content,
        content_type="application/json",
    )
    if response.status_code >= 400:
        return response, None
    data = replies.json_or_none(response)
    poll = route.poll or NO_POLL
    gone = poll.gone is not None and poll.gone(data)
    outcome = "failure" if gone else route.status(data, response.status_code)  # gone: it will not bill
    return response, Observation(
        status_code=response.status_code,
        data=data,
        outcome=outcome,
        vendor_status=poll.status_word(data),
        result_ref=poll.result_ref(data) if poll.result_ref and outcome == "success" else "",
        gone=gone,
    )


def record_observation(
    vendor: Vendor, route: Route, job: ProxyJob, seen: Observation
) -> settle.Settled | None:
    """The one database step after a poll: the vendor's status on the job, and the settle if terminal."""
    return settle.job_record_observation(
        job=job, seen=seen, api_name=vendor.title, settled_cost=(route.poll or NO_POLL).settled_cost
    )


def poll_route_of(job: ProxyJob) -> tuple[Vendor, Route] | None:
    """The route that polls a job, from the submit route it was opened by."""
    vendor = VENDORS.get(job.vendor)
    if vendor is None:
        return None
    submit = next((r for r in vendor.routes if r.label == job.route), None)
    route = vendor.route_named(submit.poll_route) if submit else None
    return (vendor, route) if route else None
