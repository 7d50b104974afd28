export type { SearchableServer, SearchableTool, ToolHit, ServerHit, SearchOptions } from './types.ts';
export { ToolIndex } from './tool-index.ts';
export { Embedder, HybridToolIndex, embeddingText, type EmbedderOptions, type EmbeddingProblem, type HybridOptions, type HybridSearchResult, type LexicalOnlyReason } from './hybrid.ts';
export { suggestConnectors, type SuggestCandidate, type Suggestion, type SuggestResult } from './suggest.ts';
export { toolDefinitionTokens, toolDefinitionsTokens, type ToolDefinitionLike } from './token-count.ts';
