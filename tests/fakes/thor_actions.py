"""Allow-list of AI2-THOR action signatures and AI2-THOR's own dispatch rules (test fake).

Derived from allenai/ai2thor's Unity C# (unity/Assets/Scripts/), the source of truth for what
``Controller.step`` accepts:

* ``PhysicsRemoteFPSAgentController.cs`` (the ``default`` agent): MoveAhead, TeleportFull,
  PickupObject, PutObject, OpenObject, CloseObject, LookUp/LookDown, InitialRandomSpawn.
* ``BaseFPSAgentController.cs``: RotateLeft/RotateRight (the arm controllers override them with
  the same parameters), GetReachablePositions, Pass (the no-op ``video_controller.py`` of the
  ai2thor package sends).
* ``LocobotFPSAgentController.cs`` (``agentMode="locobot"``): MoveAhead(moveMagnitude, noise,
  forceAction), TeleportFull without ``standing``, LookUp/LookDown/RotateLeft/RotateRight taking
  a ``ServerAction`` (any fields; LookUp/LookDown fail unless ``degrees == 0``), Stop; no
  PickupObject/PutObject/OpenObject/CloseObject (it derives from BaseFPSAgentController).
* ``ActionDispatcher.cs``: among overloads the one with the most matching parameter names wins;
  a name no parameter has → InvalidArgumentsException, a required parameter missing →
  MissingArgumentsActionException, no method of that name → InvalidActionException.
  ``ai2thor/controller.py`` (5.0.0) raises ``ValueError`` for those error codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SERVER_ACTION = "ServerAction"
"""Marks a method taking one ``ServerAction``: every key is accepted (Newtonsoft ignores unknowns)."""


@dataclass(frozen=True)
class Param:
    type: str
    """C# type: float, int, bool, string, Vector3, string[], ObjectTypeCount[]."""
    required: bool = False
    nullable: bool = False


def _p(spec: str) -> Param:
    """``"float"``, ``"float!"`` (required), ``"float?"`` (nullable, optional)."""
    if spec.endswith("!"):
        return Param(spec[:-1], required=True)
    if spec.endswith("?"):
        return Param(spec[:-1], nullable=True)
    return Param(spec)


def _sig(**params: str) -> dict[str, Param]:
    return {name: _p(spec) for name, spec in params.items()}


_MOVE = _sig(
    moveMagnitude="float?",
    objectId="string",
    maxAgentsDistance="float",
    forceAction="bool",
    manualInteract="bool",
    allowAgentsToIntersect="bool",
    speed="float",
    fixedDeltaTime="float?",
    returnToStart="bool",
    disableRendering="bool",
)
_ROTATE = _sig(
    degrees="float?",
    manualInteract="bool",
    forceAction="bool",
    speed="float",
    waitForFixedUpdate="bool",
    returnToStart="bool",
    disableRendering="bool",
    fixedDeltaTime="float",
)
_LOOK = _sig(degrees="float", manualInteract="bool")

DEFAULT_AGENT: dict[str, list[dict[str, Param] | str]] = {
    "MoveAhead": [_MOVE],
    "MoveBack": [_MOVE],
    "RotateLeft": [_ROTATE],
    "RotateRight": [_ROTATE],
    "LookUp": [_LOOK],
    "LookDown": [_LOOK],
    "TeleportFull": [
        _sig(
            position="Vector3!",
            rotation="Vector3!",
            horizon="float!",
            standing="bool!",
            forceAction="bool",
        ),
        _sig(
            x="float!",
            y="float!",
            z="float!",
            rotation="Vector3!",
            horizon="float!",
            standing="bool!",
            forceAction="bool",
        ),
    ],
    "PickupObject": [
        _sig(objectId="string!", forceAction="bool", manualInteract="bool"),
        _sig(x="float!", y="float!", forceAction="bool", manualInteract="bool"),
    ],
    "PutObject": [
        _sig(objectId="string!", forceAction="bool", placeStationary="bool", randomSeed="int"),
        _sig(
            x="float!",
            y="float!",
            forceAction="bool",
            placeStationary="bool",
            randomSeed="int",
            putNearXY="bool",
        ),
    ],
    "OpenObject": [
        _sig(
            objectId="string!",
            openness="float",
            forceAction="bool",
            returnToStart="bool",
            ignoreAgentInTransition="bool",
            stopAtNonStaticCol="bool",
            physicsInterval="float?",
            useGripper="bool",
            moveMagnitude="float?",
        ),
        _sig(x="float!", y="float!", forceAction="bool", openness="float", moveMagnitude="float?"),
    ],
    "CloseObject": [
        _sig(
            objectId="string!",
            forceAction="bool",
            returnToStart="bool",
            ignoreAgentInTransition="bool",
            stopAtNonStaticCol="bool",
            physicsInterval="float?",
            useGripper="bool",
        ),
        _sig(x="float!", y="float!", forceAction="bool"),
    ],
    "InitialRandomSpawn": [
        _sig(
            randomSeed="int",
            forceVisible="bool",
            placeStationary="bool",
            numDuplicatesOfType="ObjectTypeCount[]?",
            excludedReceptacles="string[]?",
            excludedObjectIds="string[]?",
            numPlacementAttempts="int",
            allowFloor="bool",
        ),
    ],
    "GetReachablePositions": [
        _sig(maxStepCount="int?", directionsRelativeAgent="bool", gridSize="float?"),
    ],
    "Pass": [_sig()],
    "GetScenesInBuild": [_sig()],
}

LOCOBOT_AGENT: dict[str, list[dict[str, Param] | str]] = {
    "MoveAhead": [_sig(moveMagnitude="float?", noise="float", forceAction="bool")],
    "MoveBack": [_sig(moveMagnitude="float?", noise="float", forceAction="bool")],
    "RotateLeft": [SERVER_ACTION],
    "RotateRight": [SERVER_ACTION],
    "LookUp": [SERVER_ACTION],
    "LookDown": [SERVER_ACTION],
    "TeleportFull": [
        _sig(position="Vector3!", rotation="Vector3!", horizon="float!", forceAction="bool"),
        _sig(
            x="float!",
            y="float!",
            z="float!",
            rotation="Vector3!",
            horizon="float!",
            forceAction="bool",
        ),
    ],
    "GetReachablePositions": DEFAULT_AGENT["GetReachablePositions"],
    "Pass": [_sig()],
    "Stop": [_sig()],
    "GetScenesInBuild": [_sig()],
}

AGENT_ACTIONS = {"default": DEFAULT_AGENT, "locobot": LOCOBOT_AGENT}

INITIALIZE_FIELDS = {
    # ServerAction fields that BaseFPSAgentController.Initialize / AgentManager read, with the
    # Python types the ai2thor docs give for Controller(**initialization parameters).
    "agentMode": str,
    "gridSize": float,
    "snapToGrid": bool,
    "rotateStepDegrees": float,
    "visibilityDistance": float,
    "fieldOfView": float,
    "renderDepthImage": bool,
    "renderInstanceSegmentation": bool,
    "renderSemanticSegmentation": bool,
    "renderNormalsImage": bool,
    "cameraNearPlane": float,
    "cameraFarPlane": float,
    "applyActionNoise": bool,
    "movementGaussianSigma": float,
    "rotateGaussianSigma": float,
}
"""Real Unity silently ignores unknown Initialize fields (a typo just has no effect); the fake
rejects them so a misspelt setting fails a test instead."""


class ThorActionError(ValueError):
    """What ``ai2thor.controller.Controller.step`` raises for InvalidAction/InvalidArgument/
    MissingArguments error codes."""


def _fits(param: Param, value: Any) -> bool:
    if value is None:
        return param.nullable
    kind = param.type
    if kind == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "Vector3":
        return (
            isinstance(value, dict)
            and set(value) == {"x", "y", "z"}
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value.values())
        )
    if kind.endswith("[]"):
        return isinstance(value, list | tuple)
    raise AssertionError(f"unknown C# type {kind}")


def dispatch(agent_mode: str, action: str, args: dict[str, Any]) -> dict[str, Any] | None:
    """The overload AI2-THOR would call for ``action`` with ``args``; None = a ServerAction method.

    Raises:
        ThorActionError: no such action for this agent, an argument no overload has, a
            required one missing, or a value that does not convert to the parameter's type.
    """
    table = AGENT_ACTIONS[agent_mode]
    if action not in table:
        raise ThorActionError(f"Invalid action: {action} (agentMode={agent_mode})")
    overloads = table[action]
    if overloads == [SERVER_ACTION]:
        return None
    sigs = [s for s in overloads if isinstance(s, dict)]
    best = max(sigs, key=lambda s: sum(1 for name in args if name in s))
    invalid = sorted(name for name in args if name not in best)
    if invalid:
        raise ThorActionError(
            f"{action}: invalid argument(s) {invalid}; parameters: {sorted(best)}"
        )
    missing = sorted(n for n, p in best.items() if p.required and n not in args)
    if missing:
        raise ThorActionError(f"{action}: missing required argument(s) {missing}")
    for name, value in args.items():
        if not _fits(best[name], value):
            raise ThorActionError(
                f"{action}: argument {name}={value!r} does not convert to {best[name].type}"
            )
    return best
