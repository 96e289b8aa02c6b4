"""The ``llm`` planner: an OpenAI-compatible chat endpoint with memory-query tool calls.

Works with vLLM, Ollama, llama.cpp's server or a hosted API. One ``plan()`` is a conversation:
the prompt (memory as JSON records, :mod:`embodied_mem.planner.prompting`) → the model calls
memory tools (:mod:`embodied_mem.planner.tools`) for a few rounds → it replies with a JSON plan
(:mod:`embodied_mem.planner.schema`) that is checked against memory. The shared re-ask loop
(:mod:`embodied_mem.planner.attempts`) sends a bad plan back with the error, then records
``bad_planner_output``; requests go through :class:`~embodied_mem.planner.endpoint.ChatEndpoint`
(retries with backoff, bounded replies, strict reply schema), whose failures become
``endpoint_timeout`` / ``endpoint_error``. ``plan()`` never raises for any reply.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from typing import Any

from embodied_mem.planner.attempts import Answer, answer_of, call_record, plan_with_reasks
from embodied_mem.planner.base import PlannerCall, PlanningContext, PlanResult
from embodied_mem.planner.endpoint import ChatEndpoint, ChatReply, make_openai_client
from embodied_mem.planner.intent_tools import tools_for
from embodied_mem.planner.llm_config import (  # noqa: F401 - ENV_* stay importable from here
    ENV_API_KEY,
    ENV_BASE_URL,
    ENV_MODEL,
    LLMPlannerConfig,
)
from embodied_mem.planner.memory_text import gather_sections
from embodied_mem.planner.prompting import (
    BuiltPrompt,
    ExampleStore,
    HeuristicTokenCounter,
    ServerTokenCounter,
    TokenCounter,
    TokenizerCounter,
    build_prompt,
)
from embodied_mem.planner.retrieval import retrieved_lines
from embodied_mem.planner.schema import parse_plan, plan_schema
from embodied_mem.planner.tools import MemoryToolbox, PlanResolver

logger = logging.getLogger(__name__)

#: A tool call's JSON in the assistant message plus two messages' chat-template tokens.
_TOOL_CALL_TOKENS = 80
#: The least room a tool result gets (a few records); the first request keeps this free.
_MIN_RESULT_TOKENS = 120


def make_endpoint(config: LLMPlannerConfig, client: Any = None) -> ChatEndpoint:
    """The retrying endpoint for a config (``client`` None: an openai client for a resolved one)."""
    if client is None:
        client = make_openai_client(
            config.base_url, config.api_key, config.timeout_s, config.max_reply_bytes
        )
    return ChatEndpoint(
        client,
        retries=config.http_retries,
        backoff_s=config.retry_backoff_s,
        max_backoff_s=config.max_backoff_s,
    )


class LLMPlanner:
    """Planner over an OpenAI-compatible endpoint (see the module docstring).

    Args:
        config: settings; None reads everything from defaults and the environment.
        client: an ``openai.OpenAI``-like object (``client.chat.completions.create``); built
            from the config when None.
        examples: past task→plan examples; loaded from ``config.examples_path`` when None.
        token_counter: overrides ``config.token_counter``.
    """

    name = "llm"

    def __init__(
        self,
        config: LLMPlannerConfig | None = None,
        *,
        client: Any = None,
        examples: ExampleStore | None = None,
        token_counter: TokenCounter | None = None,
    ) -> None:
        cfg = config or LLMPlannerConfig()
        self.config = cfg.resolved() if client is None else cfg
        self.endpoint = make_endpoint(self.config, client)
        if examples is None and self.config.examples_path:
            from pathlib import Path

            examples = ExampleStore.load(Path(self.config.examples_path))
        self.examples = examples or ExampleStore()
        self._budget = self.config.token_budget
        self.counter = token_counter or _make_counter(self.config)
        self._parser: Any = None
        self._result_reserve = 0

    # ------------------------------------------------------------------ plan

    def plan(self, task: PlanningContext) -> PlanResult:
        template, slots, status, mode = self.understand(task)
        allowed = self.config.tools
        if allowed is None and self.config.tools_by_intent:
            allowed = tools_for(template)
        toolbox = MemoryToolbox(
            task.memory,
            agent=task.agent,
            distance_fn=task.distance_fn,
            allowed=allowed,
            max_chars=4 * self.config.max_tool_result_tokens,
        )
        frames = {k.frame_index: k.agent for k in task.keyframes if k.agent is not None}
        resolver = PlanResolver(toolbox, frames, task.instruction)
        retrieved = retrieved_lines(
            task.memory,
            task.instruction,
            template,
            slots,
            k_named=self.config.k_retrieved,
            max_acts=self.config.max_retrieved_acts,
        )
        try:
            subgoal_types = SUBGOALS_OF_MODE.get(mode or "")
            if subgoal_types is not None and task.keyframes:
                subgoal_types = (*subgoal_types, "navigate_to_frame")
            prompt = self._prompt(task, toolbox, retrieved, subgoal_types)
        except ValueError as exc:
            return PlanResult.failure("budget_exceeded", str(exc))
        calls: list[PlannerCall] = []
        details = {
            "prompt_dropped": prompt.dropped,
            "prompt_estimate": prompt.estimated_tokens,
            "intent": template,
            "parse": status,
            "tools_offered": len(toolbox.tools) if self.config.use_tools else 0,
        }
        self._budget = min(task.token_budget, self.config.token_budget)
        messages = list(prompt.messages)

        def reask(text: str, error: str) -> None:
            messages.append({"role": "assistant", "content": text})
            messages.append(
                {
                    "role": "user",
                    "content": f"That reply is not a valid plan: {error}. "
                    "Reply with only the JSON plan object.",
                }
            )

        return plan_with_reasks(
            lambda attempt: self._converse(messages, toolbox, calls, attempt),
            reask,
            lambda text: parse_plan(text, resolver, self.config.max_subgoals),
            max_retries=self.config.max_retries,
            calls=calls,
            backend="llm",
            details=details,
        )

    def understand(
        self, task: PlanningContext
    ) -> tuple[str | None, dict[str, str], str, str | None]:
        """(template, slots, parse status, mode) of the instruction, parsed against memory's
        words (:mod:`embodied_mem.language`); template and mode None when the parse is unsure."""
        from embodied_mem.language import InstructionParser, default_vocabulary

        if self._parser is None:
            self._parser = InstructionParser()
        vocab = default_vocabulary()
        if task.memory is not None:
            try:
                vocab = vocab.with_memory(task.memory)
            except (AttributeError, TypeError, ValueError) as exc:  # a partial memory API
                logger.debug("parsing with the catalog words only: %s", exc)
        parsed = self._parser.with_vocabulary(vocab).parse(task.instruction)
        if not parsed.ok:
            return None, {}, parsed.status, None
        return parsed.template, dict(parsed.slots), parsed.status, parsed.mode

    def _tool_result_reserve(self, toolbox: MemoryToolbox) -> int:
        """Room the first request leaves for one tool round: the call, its result, and the
        chat template's tokens around the two messages (estimated)."""
        if not (self.config.use_tools and toolbox.tools):
            return 0
        return min(_MIN_RESULT_TOKENS, self.config.max_tool_result_tokens) + _TOOL_CALL_TOKENS

    def _result_text(self, toolbox: MemoryToolbox, record: Any, room: int) -> str:
        """The tool result within ``max_tool_result_tokens`` and the ``room`` the budget has
        left (by this planner's counter): a list too long loses its last items, says how many."""
        limit = max(_MIN_RESULT_TOKENS, min(self.config.max_tool_result_tokens, room))
        chars = toolbox.max_chars
        text = toolbox.result_text(record)
        if not isinstance(record.result, list):  # one entry: cutting it would break its JSON
            return text
        try:
            for _ in range(4):
                n = self.counter.count(text)
                if n <= limit:
                    break
                toolbox.max_chars = max(64, int(toolbox.max_chars * 0.9 * limit / n))
                text = toolbox.result_text(record)
        finally:
            toolbox.max_chars = chars
        return text

    def _prompt(
        self,
        task: PlanningContext,
        toolbox: MemoryToolbox,
        retrieved: list[str],
        subgoal_types: Collection[str] | None = None,
    ) -> BuiltPrompt:
        """KARMA sections within the budget; ValueError if even the fixed parts do not fit."""
        budget = min(task.token_budget, self.config.token_budget)
        sections = gather_sections(
            task,
            toolbox,
            self.examples,
            k_short_term=self.config.k_short_term,
            k_examples=self.config.k_examples,
            retrieved=retrieved,
            budget=budget,
            subgoal_types=subgoal_types,
        )
        # Tool specs travel in the prompt too (servers render them into the system message).
        tool_tokens = (
            self.counter.count(json.dumps(toolbox.specs()))
            if self.config.use_tools and toolbox.tools
            else 0
        )
        if self.config.force_first_tool and self.config.force_first_tool not in toolbox.tools:
            logger.warning(
                "force_first_tool %r is not offered for this memory (tools: %s); "
                "letting the model choose",
                self.config.force_first_tool,
                ", ".join(toolbox.tools) or "none",
            )
        self._result_reserve = self._tool_result_reserve(toolbox)
        return build_prompt(
            sections, budget, self.counter, reserve=tool_tokens + self._result_reserve
        )

    def _converse(
        self,
        messages: list[dict[str, Any]],
        toolbox: MemoryToolbox,
        calls: list[PlannerCall],
        attempt: int,
    ) -> Answer:
        """Tool rounds until the model answers in text (appends to ``messages``)."""
        tools = toolbox.specs() if self.config.use_tools else []
        for rnd in range(self.config.max_tool_rounds):
            # Tool results accumulate; once they near the budget, ask for the plan instead.
            last = rnd == self.config.max_tool_rounds - 1 or self._over_budget(messages, tools)
            offered = tools if tools and not last else None
            choice: Any = "auto"
            if (
                offered
                and rnd == 0
                and attempt == 0
                and self.config.force_first_tool in toolbox.tools
            ):
                choice = {"type": "function", "function": {"name": self.config.force_first_tool}}
            reply = self._request(messages, offered, choice)
            call = call_record("llm", reply)
            call.attempt = attempt
            calls.append(call)
            if not reply.tool_calls:
                return answer_of(reply, self.config.max_completion_tokens)
            if offered is None:  # tools were not offered: nothing to run, a plan was expected
                return Answer(reply.content, "no tools are available now; reply with the plan")
            self._run_tools(reply, messages, toolbox, call)
        return Answer("", "too many tool rounds; reply with the plan")

    def _used(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> int:
        """Tokens a request with ``messages`` and ``tools`` sends (by this planner's counter)."""
        used = sum(self.counter.count(str(m.get("content") or "")) + 8 for m in messages)
        used += sum(
            self.counter.count(json.dumps(m["tool_calls"])) for m in messages if m.get("tool_calls")
        )
        return used + (self.counter.count(json.dumps(tools)) if tools else 0)

    def _over_budget(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> bool:
        """Would one more tool round (its call and a short result) push a request past the
        budget?"""
        return self._used(messages, tools) + self._result_reserve > self._budget

    def _request(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None, choice: Any
    ) -> ChatReply:
        c = self.config
        kwargs: dict[str, Any] = dict(
            model=c.model,
            messages=messages,
            temperature=c.temperature,
            seed=c.seed,
            max_tokens=c.max_completion_tokens,
            timeout=c.timeout_s,
        )
        if tools:
            kwargs.update(tools=tools, tool_choice=choice)
        elif c.response_format != "none":
            kwargs["response_format"] = _response_format(c.response_format, c.max_subgoals)
        return self.endpoint.complete(**kwargs)

    def _run_tools(
        self,
        reply: ChatReply,
        messages: list[dict[str, Any]],
        toolbox: MemoryToolbox,
        call: PlannerCall,
    ) -> None:
        messages.append(
            {
                "role": "assistant",
                "content": reply.content,
                "tool_calls": [
                    {
                        "id": tc.id,
                        "type": "function",
                        "function": {"name": tc.name, "arguments": tc.arguments},
                    }
                    for tc in reply.tool_calls
                ],
            }
        )
        echoes = []
        for tc in reply.tool_calls:
            record = toolbox.call(tc.name, tc.arguments)
            call.tool_calls.append(record)
            room = self._budget - self._used(messages, toolbox.specs()) - _TOOL_CALL_TOKENS
            text = self._result_text(toolbox, record, room)
            messages.append({"role": "tool", "tool_call_id": tc.id, "content": text})
            echoes.append(f"{json.dumps(tc.name)} returned: {text}")
        if self.config.tool_results_as_user:
            messages.append(
                {
                    "role": "user",
                    "content": "\n".join(echoes)
                    + ("\nCall another tool or reply with the JSON plan."),
                }
            )


def _make_counter(config: LLMPlannerConfig) -> TokenCounter:
    if config.token_counter == "server":
        return ServerTokenCounter(config.base_url)
    if config.token_counter == "tokenizer":
        return TokenizerCounter(config.tokenizer)
    return HeuristicTokenCounter()


def _response_format(kind: str, max_subgoals: int) -> dict[str, Any]:
    if kind == "json_object":
        return {"type": "json_object"}
    if kind == "json_object_schema":
        return {"type": "json_object", "schema": plan_schema(max_subgoals)}
    return {
        "type": "json_schema",
        "json_schema": {"name": "plan", "schema": plan_schema(max_subgoals)},
    }


#: Subgoal types a task of each mode (:attr:`embodied_mem.language.ParseResult.mode`) uses;
#: the prompt describes only those (every type is still accepted when a plan is checked).
SUBGOALS_OF_MODE: dict[str, tuple[str, ...]] = {
    "nav": (
        "navigate_to_object",
        "navigate_to_receptacle",
        "navigate_to_room",
        "explore",
        "stop",
    ),
    "manip": (
        "navigate_to_object",
        "navigate_to_receptacle",
        "pick",
        "place",
        "open",
        "close",
        "explore",
        "stop",
    ),
    "ask": ("answer", "navigate_to_object", "navigate_to_receptacle", "explore", "stop"),
}


def describe_schema_for_prompt(types: Collection[str] | None = None) -> str:
    """The plan format in a few lines (generated from the schema, not hand-kept); only the
    subgoal ``types`` given (None = all)."""
    from embodied_mem.planner.schema import SUBGOAL_SCHEMA, plan_example_json

    lines = []
    for variant in SUBGOAL_SCHEMA["oneOf"]:
        props = variant["properties"]
        kind = props["type"]["const"]
        if types is not None and kind not in types:
            continue
        fields = [p + ("" if p in variant["required"] else "?") for p in props if p != "type"]
        lines.append(f'- {{"type": "{kind}"' + "".join(f', "{f}": ...' for f in fields) + "}")
    return "\n".join(lines) + "\nExample reply: " + plan_example_json()
