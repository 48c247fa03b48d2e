/**
 * The model the examples use: the bundled local model server (examples/demo-model-server.ts)
 * unless `WAYMARK_EXAMPLE_MODEL_URL` names an OpenAI-compatible endpoint of a real provider.
 *
 *   WAYMARK_EXAMPLE_MODEL_URL      base URL of the chat-completions API, e.g. https://api.openai.com/v1
 *   WAYMARK_EXAMPLE_MODEL_API_KEY  sent as `Authorization: Bearer …` (optional for local servers)
 *   WAYMARK_EXAMPLE_MODEL          the model id (default gpt-4o-mini)
 *
 * A real model is priced by the price table (`WAYMARK_MODEL_PRICES`, keyed by the model id);
 * the bundled one at a made-up price, so that the example's cost is not zero.
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { durableModel } from '../src/index.js';
import { DEMO_MODEL_ID, startDemoModelServer } from './demo-model-server.js';

/** The bundled model's made-up price, per million tokens. */
export const DEMO_MODEL_PRICE = { inputPerMillion: 0.15, outputPerMillion: 0.6 };

/**
 * The examples' durable model, and where it is served.
 *
 * @example
 * ```ts
 * const { model, description } = await exampleModel(process.env);
 * ```
 */
export async function exampleModel(env: NodeJS.ProcessEnv = process.env): Promise<{ model: LanguageModelV4; description: string }> {
  const url = env.WAYMARK_EXAMPLE_MODEL_URL;
  if (url) {
    const id = env.WAYMARK_EXAMPLE_MODEL || 'gpt-4o-mini';
    const provider = createOpenAICompatible({
      name: 'example', baseURL: url, includeUsage: true, supportsStructuredOutputs: true,
      ...(env.WAYMARK_EXAMPLE_MODEL_API_KEY ? { apiKey: env.WAYMARK_EXAMPLE_MODEL_API_KEY } : {}),
    });
    return { model: durableModel(provider(id)), description: `${id} at ${url}` };
  }
  const demo = await startDemoModelServer(Number(env.WAYMARK_DEMO_MODEL_PORT ?? 0));
  const provider = createOpenAICompatible({ name: 'demo', baseURL: demo.baseURL, includeUsage: true, supportsStructuredOutputs: true });
  return { model: durableModel(provider(DEMO_MODEL_ID), { price: DEMO_MODEL_PRICE }), description: `${DEMO_MODEL_ID} (bundled) at ${demo.baseURL}` };
}
