// A client nobody on this project wrote: the official TypeScript SDK
// (@modelcontextprotocol/sdk, installed by .ci/run into .ci/mcp-ts), driving movesia-mcp
// with a simulated editor over stdio or streamable HTTP.
//
//   node ts_client.mjs <sdk-package-dir> stdio <command> [args...]
//   node ts_client.mjs <sdk-package-dir> http <url>
//
// Prints one JSON object {sdk, transport, protocolVersion, checks: {name: {ok, detail}}}
// on stdout and exits 1 when a check failed. tests/clients/test_ts_sdk_client.py runs it.

import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [sdkDir, transportKind, ...target] = process.argv.slice(2);
const load = (file) => import(pathToFileURL(path.join(sdkDir, "dist/esm", file)).href);
const { Client } = await load("client/index.js");
const { StdioClientTransport } = await load("client/stdio.js");
const { StreamableHTTPClientTransport } = await load("client/streamableHttp.js");
const { LoggingMessageNotificationSchema, McpError } = await load("types.js");
const sdkVersion = JSON.parse(readFileSync(path.join(sdkDir, "package.json"), "utf8")).version;

const BROKEN_SCRIPT =
  "using UnityEngine;\n\npublic class TsBroken : MonoBehaviour\n{\n    void Update()\n    {\n    }\n";
const VALID_SCRIPT =
  "using UnityEngine;\n\npublic class TsBroken : MonoBehaviour\n{\n    void Update()\n    {\n    }\n}\n";

const checks = {};
async function check(name, body) {
  try {
    const detail = await body();
    checks[name] = { ok: true, detail: detail ?? null };
  } catch (error) {
    checks[name] = { ok: false, detail: String(error && error.stack ? error.stack : error) };
  }
}
function expect(condition, message) {
  if (!condition) throw new Error(message);
}
function text(result) {
  return (result.content || []).filter((c) => c.type === "text").map((c) => c.text).join(" ");
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function eventually(predicate, what, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const transport =
  transportKind === "http"
    ? new StreamableHTTPClientTransport(new URL(target[0]))
    : new StdioClientTransport({
        command: target[0],
        args: target.slice(1),
        env: { ...process.env },
        stderr: "inherit",
      });
const client = new Client({ name: "movesia-ts-check", version: "1.0.0" });
const logs = [];
client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
  logs.push(notification.params);
});
await client.connect(transport);
const events = () =>
  logs.map((log) => `${log.level}:${log.data && log.data.event}`).filter((e) => !e.endsWith(":undefined"));

await check("capabilities", async () => {
  const caps = client.getServerCapabilities();
  expect(caps.logging !== undefined, `no logging capability: ${JSON.stringify(caps)}`);
  expect(caps.prompts && caps.prompts.listChanged === true, "prompts.listChanged is not true");
  expect(caps.tools && caps.tools.listChanged === true, "tools.listChanged is not true");
  return caps;
});

await check("schemas_closed_and_described", async () => {
  const { tools } = await client.listTools();
  const expected = Number(process.env.MOVESIA_EXPECTED_TOOLS);
  expect(tools.length === expected, `expected ${expected} tools, got ${tools.length}`);
  const problems = [];
  for (const tool of tools) {
    const schema = tool.inputSchema;
    if (schema.additionalProperties !== false) problems.push(`${tool.name}: not closed`);
    for (const [name, prop] of Object.entries(schema.properties || {})) {
      if (!prop.description) problems.push(`${tool.name}.${name}: no description`);
    }
  }
  expect(problems.length === 0, problems.join("; "));
  const hints = Object.fromEntries(tools.map((t) => [t.name, t.annotations || {}]));
  for (const name of ["batch", "execute_menu_item", "write_script"]) {
    expect(hints[name].destructiveHint === true, `${name} is not annotated destructive`);
  }
  return { tools: tools.length };
});

await check("unknown_tool_is_a_json_rpc_error", async () => {
  let caught = null;
  try {
    await client.callTool({ name: "create_gameobjekt", arguments: { name: "X" } });
  } catch (error) {
    caught = error;
  }
  expect(caught instanceof McpError, `expected an McpError, got ${caught}`);
  expect(caught.code === -32602, `expected code -32602, got ${caught.code}`);
  expect(caught.message.includes("did you mean 'create_gameobject'?"), caught.message);
  return { code: caught.code, message: caught.message };
});

await check("unknown_argument_names_the_nearest", async () => {
  const result = await client.callTool({
    name: "create_gameobject",
    arguments: { name: "TS Box", positon: [1, 2, 3] },
  });
  expect(result.isError === true, `expected isError, got ${JSON.stringify(result)}`);
  expect(text(result).includes("did you mean 'position'?"), text(result));
  const found = await client.callTool({ name: "find_objects", arguments: { name: "TS Box" } });
  expect(found.structuredContent.total === 0, "the misspelled call created an object");
  return text(result);
});

await check("structured_output_validates", async () => {
  // The SDK checks structuredContent against each tool's outputSchema (ajv) and throws
  // when it does not match; these calls pass only if it matched.
  const found = await client.callTool({ name: "find_objects", arguments: { name: "Player" } });
  expect(found.isError !== true, text(found));
  expect(found.structuredContent.objects[0].name === "Player", JSON.stringify(found));
  const tree = await client.callTool({ name: "get_hierarchy", arguments: { depth: 1 } });
  expect(tree.structuredContent.nodes.length > 0, JSON.stringify(tree));
  const status = await client.callTool({ name: "get_connection_status", arguments: {} });
  expect(status.structuredContent.connected === true, JSON.stringify(status));
  const created = await client.callTool({
    name: "create_gameobject",
    arguments: { name: "TS Cube", primitive: "Cube", position: [1, 2, 3] },
  });
  expect(created.structuredContent.object.name === "TS Cube", JSON.stringify(created));
  return { validated: 4 };
});

await check("failed_batch_is_a_tool_error_with_results", async () => {
  const result = await client.callTool({
    name: "batch",
    arguments: {
      steps: [
        { tool: "create_gameobject", arguments: { name: "TS Batch" } },
        { tool: "inspect_object", arguments: { path: "Nowhere/Ghost" } },
      ],
    },
  });
  expect(result.isError === true, `expected isError, got ${JSON.stringify(result)}`);
  // Present, so the SDK validated it against batch's outputSchema.
  expect(result.structuredContent.completed === 1, JSON.stringify(result.structuredContent));
  expect(result.structuredContent.stopped_on_error === true, "stopped_on_error is not true");
  return text(result);
});

await check("set_level_applies", async () => {
  await client.setLoggingLevel("error");
  const before = logs.length;
  await client.callTool({
    name: "write_script",
    arguments: { path: "Assets/Scripts/TsBroken.cs", contents: BROKEN_SCRIPT },
  });
  await eventually(
    () => events().slice(before).includes("error:compile_finished"),
    "the compile error log at level error",
  );
  const atError = events().slice(before);
  expect(!atError.includes("info:compile_started"), `info log despite level error: ${atError}`);
  await client.setLoggingLevel("info");
  const after = logs.length;
  await client.callTool({
    name: "write_script",
    arguments: { path: "Assets/Scripts/TsBroken.cs", contents: VALID_SCRIPT },
  });
  await eventually(
    () => events().slice(after).includes("info:compile_finished"),
    "the compile log at level info",
  );
  return { atError, atInfo: events().slice(after) };
});

await client.close();
const failed = Object.entries(checks).filter(([, c]) => !c.ok);
process.stdout.write(
  JSON.stringify({
    sdk: sdkVersion,
    transport: transportKind,
    protocolVersion: transport.protocolVersion ?? null,
    checks,
  }) + "\n",
);
process.exit(failed.length === 0 ? 0 : 1);
