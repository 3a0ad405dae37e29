"""HTTP plumbing both Chalice apps share: verified callers, JSON bodies, and problem+json for every error.

Domain errors become HTTP statuses in `welt.entrypoints.problems` and nowhere else.
"""

from __future__ import annotations

import functools
import inspect
import json
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar, get_type_hints

from aws_lambda_powertools import Logger
from chalice import Chalice, CORSConfig, Response
from chalice.app import Request as ChaliceRequest
from pydantic import BaseModel, ValidationError

from welt.config import staff_token_lifespan, web_origin
from welt.domain.errors import (
    AuthenticationError,
    FieldProblem,
    ForbiddenError,
    MalformedRequestError,
    PreconditionRequiredError,
    UnsupportedMediaTypeError,
    ValidationFailedError,
    WeltError,
)
from welt.entrypoints.operations import Operation
from welt.entrypoints.problems import (
    FRAMEWORK_PROBLEMS,
    PROBLEM_JSON,
    field_problems,
    problem,
    problem_for,
)
from welt.services.orders import Caller
from welt.services.ports import Clock, SessionRegistry
from welt.services.sessions import check_session, check_token_age

Model = TypeVar("Model", bound=BaseModel)


class HttpRequest:
    """What a view reads from a request, each part validated on the way in."""

    def __init__(self, raw: ChaliceRequest, caller: Caller | None) -> None:
        self._raw = raw
        self._caller = caller

    @property
    def caller(self) -> Caller:
        if self._caller is None:
            raise AuthenticationError("Sign in first.")
        return self._caller

    def header(self, name: str) -> str | None:
        headers: Any = self._raw.headers or {}
        value = headers.get(name)
        return value.strip() if isinstance(value, str) and value.strip() else None

    def query(self, name: str) -> str | None:
        params: Any = self._raw.query_params or {}
        value = params.get(name)
        return value if value not in (None, "") else None

    def query_model(self, model: type[Model]) -> Model:
        """The query string read into `model`: its fields by name, an empty value as absent; 422 naming each bad one."""
        try:
            return model.model_validate({name: self.query(name) for name in model.model_fields if self.query(name)})
        except ValidationError as error:
            raise ValidationFailedError("Some query parameters are not valid.", field_problems(error, ("query",))) from None

    def raw_body(self) -> bytes:
        raw = self._raw.raw_body or b""
        return raw if isinstance(raw, bytes) else raw.encode("utf-8")

    def json(self) -> dict[str, Any]:
        content_type = (self.header("content-type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise UnsupportedMediaTypeError("Send the body as application/json.")
        raw = self._raw.raw_body or b""
        try:
            body = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
            # "\ud800" escapes decode to lone surrogates, which no store or mail can carry.
            json.dumps(body, ensure_ascii=False).encode("utf-8")
        except (UnicodeError, ValueError, RecursionError):
            raise MalformedRequestError("The body is not valid JSON.", [FieldProblem(("body",), "not valid JSON")]) from None
        if not isinstance(body, dict):
            raise ValidationFailedError("The body must be a JSON object.", [FieldProblem(("body",), "expected an object")])
        return body

    def body(self, model: type[Model], raw: dict[str, Any] | None = None) -> Model:
        data = self.json() if raw is None else raw
        try:
            return model.model_validate(data)
        except ValidationError as error:
            raise ValidationFailedError("Some fields are not valid.", field_problems(error, ("body",))) from None

    def version_header(self, name: str = "If-Match", required: bool = True) -> int | None:
        """An entity version from `If-Match` (`3`, `"3"` or `W/"3"`)."""
        value = self.header(name)
        headers: Any = self._raw.headers or {}
        if value is None and name in headers:
            raise MalformedRequestError(
                f'{name} is empty; send the version you last read, such as "3".', [FieldProblem(("header", name), "empty")]
            )
        if value is None:
            if required:
                raise PreconditionRequiredError(f"Send {name} with the version you last read.", [FieldProblem(("header", name), "missing")])
            return None
        text = value.removeprefix("W/").strip('"')
        if not (text.isascii() and text.isdigit()) or len(text) > 9:
            raise MalformedRequestError(f'{name} must be an order version such as "3".', [FieldProblem(("header", name), "not a version")])
        return int(text)

    def idempotency_key(self) -> str:
        key = self.header("Idempotency-Key")
        if key is None:
            raise PreconditionRequiredError(
                "Send an Idempotency-Key header so a retry cannot place the order twice.",
                [FieldProblem(("header", "Idempotency-Key"), "missing")],
            )
        if len(key) > 255 or not (key.isascii() and key.isprintable()):
            raise MalformedRequestError(
                "Idempotency-Key must be at most 255 printable ASCII characters.", [FieldProblem(("header", "Idempotency-Key"), "invalid")]
            )
        return key


class WeltApi:
    """A Chalice app whose routes verify callers and answer errors as problem+json."""

    def __init__(
        self,
        app: Chalice,
        logger: Logger,
        verify: Callable[[str | None], Caller],
        sessions: Callable[[], SessionRegistry],
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self.app = app
        self.logger = logger
        self._verify = verify
        self._sessions = sessions
        self._clock = clock
        # (method, path) of the routes that take no token; the deployment leaves exactly these without an authorizer.
        self.public_routes: set[tuple[str, str]] = set()
        # Every route's declaration, in the order they are registered: the API document's operations.
        self.operations: list[Operation] = []
        self._cors = CORSConfig(
            allow_origin=web_origin(),
            allow_headers=["Idempotency-Key", "If-Match"],
            expose_headers=["ETag", "Content-Disposition"],
            max_age=600,
        )
        app.register_middleware(self._every_request, "http")

    def route(
        self,
        path: str,
        methods: list[str],
        public: bool = False,
        status: int = 200,
        content_types: list[str] | None = None,
        staff: bool = False,
        *,
        operation: str | None = None,
        tags: tuple[str, ...] = (),
        callers: tuple[str, ...] | None = None,
        answer: str = "",
        media: str = "application/json",
        request: Any = None,
        example: Mapping[str, Any] | None = None,
        query: type[BaseModel] | None = None,
        query_fields: tuple[str, ...] | None = None,
        errors: tuple[type[WeltError], ...] = (),
        headers: tuple[str, ...] = (),
        answer_headers: tuple[str, ...] = (),
        links: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Callable[..., Any]:
        """Register a view; the keywords after `staff` declare it for the API document (see `Operation`)."""

        def register(view: Callable[..., Any]) -> Callable[..., Any]:
            if public:
                self.public_routes.update((method, path) for method in methods)
            summary, _, description = (view.__doc__ or "").strip().partition("\n")
            for method in methods:
                self.operations.append(
                    Operation(
                        path=path,
                        method=method.lower(),
                        operation_id=operation or view.__name__,
                        tags=tags,
                        callers=callers or (("anyone",) if public else ("staff",) if staff else ("brand",)),
                        summary=summary.strip(),
                        description=inspect.cleandoc(description) + "\n" if description.strip() else None,
                        status=status,
                        answer=answer,
                        # What the view is typed to return is what the document says it answers (mypy checks the view).
                        response=get_type_hints(view).get("return") if media == "application/json" else None,
                        media=media,
                        request=request,
                        example=example,
                        query=query,
                        query_fields=query_fields,
                        errors=errors,
                        headers=headers,
                        answer_headers=answer_headers,
                        links=links or {},
                        public=public,
                        staff=staff,
                    )
                )

            @functools.wraps(view)
            def handle(**path_params: str) -> Response:
                request = self.app.current_request
                assert request is not None
                caller = None if public else self._verify(request.headers.get("authorization"))
                if staff and not (caller and caller.staff):
                    raise ForbiddenError("This is for factory staff.")
                if caller and caller.staff:
                    # A copied staff token is worth minutes: staff tokens are renewed (refresh token) every 15 minutes.
                    check_token_age(caller, self._clock, staff_token_lifespan())
                if staff and caller:
                    # Staff reach every brand's data: a staff user disabled or moved out of staff loses it at once.
                    check_session(self._sessions(), caller)
                if "order_number" in path_params:
                    self.logger.append_keys(order_number=path_params["order_number"])
                result = view(HttpRequest(request, caller), **path_params)
                if isinstance(result, dict) and isinstance(result.get("order_number"), str):
                    self.logger.append_keys(order_number=result["order_number"])
                if isinstance(result, Response):
                    return result
                headers: dict[str, str | list[str]] = {"Content-Type": "application/json"}
                if isinstance(result, dict) and isinstance(result.get("version"), int):
                    headers["ETag"] = f'"{result["version"]}"'  # what If-Match expects back
                return Response(body=json.dumps(result), status_code=status, headers=headers)

            @functools.wraps(view)
            def guarded(**path_params: str) -> Response:
                try:
                    return handle(**path_params)
                except WeltError as error:
                    return problem_for(error)
                except Exception:
                    self.logger.exception("unhandled error")
                    return problem(500, "internal-error", "Internal error", "Something went wrong on our side.")

            self.app.route(
                path,
                methods=methods,
                content_types=content_types or ["application/json"],
                cors=False if public and path.startswith("/webhooks/") else self._cors,
            )(guarded)
            return view

        return register

    def _every_request(self, event: Any, get_response: Callable[[Any], Response]) -> Response:
        self.logger.remove_keys(["order_number"])
        self.logger.append_keys(request_id=self._request_id(event))
        started = time.perf_counter()
        response = get_response(event)
        response = self._as_problem(response)
        # Answers carry addresses, prices and tokens' results: no browser or proxy may keep a copy.
        response.headers = {**(response.headers or {}), "Cache-Control": "no-store"}
        self.logger.info(
            "request",
            extra={
                "method": getattr(event, "method", None),
                "path": (getattr(event, "context", None) or {}).get("resourcePath"),
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return response

    @staticmethod
    def _request_id(event: Any) -> str:
        context = getattr(event, "context", None) or {}
        lambda_context = getattr(event, "lambda_context", None)
        return str(context.get("requestId") or getattr(lambda_context, "aws_request_id", None) or uuid.uuid4())

    @staticmethod
    def _as_problem(response: Response) -> Response:
        """Chalice's own answers (405, 415, a crash) are turned into problem+json too."""
        if response.status_code < 400:
            return response
        headers = {k.lower(): v for k, v in (response.headers or {}).items()}
        if headers.get("content-type") == PROBLEM_JSON:
            return response
        slug, title = FRAMEWORK_PROBLEMS.get(response.status_code, ("error", "Error"))
        detail = title
        if isinstance(response.body, dict) and response.status_code != 500:
            detail = str(response.body.get("Message") or title)
        keep = {k: str(v) for k, v in (response.headers or {}).items() if k.lower() == "allow"}
        return problem(response.status_code, slug, title, detail, headers=keep)
