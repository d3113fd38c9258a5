#!/usr/bin/env python3
"""Drives a running `album serve` with the official `openai` Python package (pip install openai), the way an
OpenAI or vLLM client would: lists the models, asks for a completion with log-probabilities, and streams one.
Exits non-zero when an answer does not have the shape OpenAI clients rely on.

    album serve &                       # the demo model and tasks on 127.0.0.1:8080
    python3 loadtest/openai_client.py [--base-url http://127.0.0.1:8080/v1] [--model TASK] [--prompt TEXT]

With --api-token on the server, pass the token with --api-key (or OPENAI_API_KEY).
"""
import argparse
import os
import sys

from openai import OpenAI


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default="http://127.0.0.1:8080/v1")
    parser.add_argument("--api-key", default=os.environ.get("OPENAI_API_KEY", "none"))
    parser.add_argument("--model", help="a task name or the base model (default: the first task listed)")
    parser.add_argument("--prompt", default="translate English to German: The house is wonderful.")
    args = parser.parse_args()

    client = OpenAI(base_url=args.base_url, api_key=args.api_key)
    models = [m.id for m in client.models.list().data]
    print("models:", models)
    if not models:
        print("no models listed", file=sys.stderr)
        return 1
    model = args.model or (models[1] if len(models) > 1 else models[0])

    whole = client.completions.create(model=model, prompt=args.prompt, max_tokens=16, temperature=0, logprobs=2)
    choice = whole.choices[0]
    print(f"completion ({model}): {choice.text!r} finish={choice.finish_reason} usage={whole.usage}")
    print("  token logprobs:", list(zip(choice.logprobs.tokens, choice.logprobs.token_logprobs)))
    if "".join(choice.logprobs.tokens) != choice.text:
        print("token texts do not add up to the text", file=sys.stderr)
        return 1

    sampled = client.completions.create(model=model, prompt=args.prompt, max_tokens=16, temperature=0.8, top_p=0.95,
                                        seed=7)
    again = client.completions.create(model=model, prompt=args.prompt, max_tokens=16, temperature=0.8, top_p=0.95,
                                      seed=7)
    print(f"sampled with seed 7, twice: {sampled.choices[0].text!r} / {again.choices[0].text!r}")
    if sampled.choices[0].text != again.choices[0].text:
        print("the same seed gave different outputs", file=sys.stderr)
        return 1

    pieces, finish, usage = [], None, None
    stream = client.completions.create(model=model, prompt=args.prompt, max_tokens=16, temperature=0, stream=True,
                                       stream_options={"include_usage": True})
    for chunk in stream:
        if chunk.choices:
            pieces.append(chunk.choices[0].text)
            finish = chunk.choices[0].finish_reason or finish
        if chunk.usage:
            usage = chunk.usage
    streamed = "".join(pieces)
    print(f"streamed in {len(pieces)} chunks: {streamed!r} finish={finish} usage={usage}")
    if streamed != choice.text or finish is None or usage is None:
        print("the stream differs from the whole completion", file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
