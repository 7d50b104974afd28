export { toolAccessModeSchema, resolveToolAccessMode, decideLoading, type ToolAccessMode, type LoadedMode, type LoadingDecision } from './tool-access.ts';
export { prepareTurnTools, discoveredSchema, type TurnTools, type TurnToolsInput } from './turn-tools.ts';
export { gatewayTool, toCaller, chatCallerSchema, type ChatGateway, type ChatCaller, type Deferral } from './gateway-tools.ts';
export { approvalRules, approvedInMessages, approvalPrompts, type ApprovalPrompt } from './approvals.ts';
export { indexTools, searchWithIndex, searchWithPersonIndex, neutralSearchTool, anthropicSearchTool, supportsAnthropicToolSearch, foundTools, type ToolSearchFunction, type ToolSearchIndex } from './tool-search.ts';
export { toModelOutput, type ModelToolOutput } from './tool-result-output.ts';
export { suggestApps, type UnconnectedApp } from './app-suggestion.ts';
