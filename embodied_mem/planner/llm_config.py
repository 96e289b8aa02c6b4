"""Settings of the ``llm`` planner (apart from the planner, so loading a run's config does not
import it and its HTTP and JSON-schema dependencies)."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

ENV_BASE_URL = "EMBODIED_MEM_LLM_BASE_URL"
ENV_MODEL = "EMBODIED_MEM_LLM_MODEL"
ENV_API_KEY = "EMBODIED_MEM_LLM_API_KEY"
_RESPONSE_FORMATS = ("none", "json_object", "json_object_schema", "json_schema")


@dataclass
class LLMPlannerConfig:
    """Settings of the ``llm`` planner (empty strings fall back to the environment variables)."""

    base_url: str = ""
    """OpenAI-compatible base URL, e.g. ``http://127.0.0.1:8080/v1`` (env EMBODIED_MEM_LLM_BASE_URL)."""
    model: str = ""
    """Model name sent with each request (env EMBODIED_MEM_LLM_MODEL)."""
    api_key: str = ""
    """API key (env EMBODIED_MEM_LLM_API_KEY; local servers accept any non-empty string)."""
    timeout_s: float = 60.0
    """Per-request timeout in seconds, for the whole reply (a reply still trickling in after it
    counts as a timeout); when every try times out the task records ``endpoint_timeout``."""
    http_retries: int = 2
    """Retries after a transient failure (timeout, dropped connection, HTTP 408/409/429/5xx)."""
    retry_backoff_s: float = 0.5
    """First wait before a retry, doubled each time (a server's Retry-After wins)."""
    max_backoff_s: float = 8.0
    """Longest wait between retries."""
    max_reply_bytes: int = 1_000_000
    """Largest reply body accepted; a larger one is ``endpoint_error`` and is not re-fetched."""
    max_retries: int = 2
    """Re-asks after a malformed/invalid plan before recording ``bad_planner_output``."""
    max_tool_rounds: int = 4
    """Tool-call rounds per attempt; the last round asks for the plan without tools."""
    use_tools: bool = True
    """Offer the memory query tools (False: the prompt's memory sections only)."""
    tools_by_intent: bool = True
    """Offer only the tools the parsed instruction's task needs (every tool when the parse is
    unsure); ``tools`` overrides both."""
    force_first_tool: str = ""
    """Force this tool on the first round (small models rarely call tools on their own)."""
    tool_results_as_user: bool = False
    """Also repeat tool results in a user message, for chat templates that drop ``tool`` roles
    (llama.cpp's ``chatml-function-calling`` does)."""
    response_format: str = "none"
    """Constrain the final reply: none | json_object | json_object_schema (llama.cpp grammar
    from the plan schema) | json_schema (OpenAI/vLLM structured outputs)."""
    temperature: float = 0.0
    """Sampling temperature (0 = greedy, reproducible)."""
    seed: int = 0
    """Sampling seed sent to the server."""
    max_completion_tokens: int = 512
    """Completion tokens per call (the server's context must hold token_budget + this)."""
    token_budget: int = 2000
    """Prompt tokens per request: system text, tool specs, memory and earlier tool rounds (the
    context's budget wins when smaller)."""
    token_counter: str = "heuristic"
    """heuristic (a BPE estimate that errs high), server (llama-cpp-python's
    /extras/tokenize/count) or tokenizer (the model's tokenizer from planner.llm.tokenizer)."""
    tokenizer: str = ""
    """For token_counter=tokenizer: the served model's Hugging Face tokenizer directory (or
    cached repo id) or its .gguf file, loaded offline."""
    max_tool_result_tokens: int = 400
    """Longest tool result sent back, in tokens; a result also gets no more than the budget
    has left (longer lists lose their last items and say so)."""
    k_retrieved: int = 8
    """Memory entries of the named categories and text matches retrieved into the prompt."""
    max_retrieved_acts: int = 40
    """Most rearrangement/interaction records retrieved into the prompt (the latest kept)."""
    k_examples: int = 3
    """Past task→plan examples retrieved into the prompt."""
    k_short_term: int = 4
    """Short-term memory entries retrieved into the prompt."""
    examples_path: str = ""
    """Optional JSONL of past ``{"task", "plan"}`` examples."""
    max_subgoals: int = 16
    """Longest plan accepted (also bounds grammar-constrained decoding)."""
    tools: list[str] | None = None
    """Tool names to offer (None = all the memory supports; see planner.tools.TOOL_TABLE)."""

    def __post_init__(self) -> None:
        if self.timeout_s <= 0:
            raise ValueError(f"timeout_s must be > 0, got {self.timeout_s}")
        for name in (
            "http_retries",
            "max_retries",
            "k_examples",
            "k_short_term",
            "k_retrieved",
            "max_retrieved_acts",
            "retry_backoff_s",
            "max_backoff_s",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.max_reply_bytes < 1024:
            raise ValueError(f"max_reply_bytes must be >= 1024, got {self.max_reply_bytes}")
        if self.max_tool_rounds < 1 or self.max_completion_tokens < 1 or self.token_budget < 64:
            raise ValueError(
                "max_tool_rounds and max_completion_tokens must be >= 1 and token_budget >= 64"
            )
        if not 1 <= self.max_subgoals <= 32:
            raise ValueError(f"max_subgoals must be in 1..32, got {self.max_subgoals}")
        if self.response_format not in _RESPONSE_FORMATS:
            raise ValueError(
                f"response_format must be one of {_RESPONSE_FORMATS}, got {self.response_format!r}"
            )
        if self.token_counter not in ("heuristic", "server", "tokenizer"):
            raise ValueError(
                "token_counter must be 'heuristic', 'server' or 'tokenizer', "
                f"got {self.token_counter!r}"
            )
        if self.token_counter == "tokenizer" and not self.tokenizer:
            raise ValueError(
                "token_counter=tokenizer needs planner.llm.tokenizer (the model's tokenizer "
                "directory or .gguf file)"
            )
        if self.max_tool_result_tokens < 64:
            raise ValueError(
                f"max_tool_result_tokens must be >= 64, got {self.max_tool_result_tokens}"
            )

    def resolved(self) -> LLMPlannerConfig:
        """A copy with base URL/model/key filled from the environment; raises if still missing."""
        base_url = self.base_url or os.environ.get(ENV_BASE_URL, "")
        model = self.model or os.environ.get(ENV_MODEL, "")
        api_key = self.api_key or os.environ.get(ENV_API_KEY, "") or "not-needed"
        if not base_url or not model:
            raise ValueError(
                f"the llm planner needs a base URL and a model: set "
                f"planner.llm.base_url / planner.llm.model or {ENV_BASE_URL} / {ENV_MODEL}"
            )
        return dataclasses.replace(self, base_url=base_url, model=model, api_key=api_key)
