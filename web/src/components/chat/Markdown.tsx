import { memo, useRef, useState, type ComponentPropsWithoutRef } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { CheckIcon, ExternalIcon } from '../Icons.tsx';
import { CopyIcon } from './icons.tsx';

/**
 * An answer's Markdown: GitHub's flavour (tables, lists, strikethrough, autolinks), no raw HTML, links opening in a
 * new tab, code blocks with their language and a copy button. Images become links: an answer never makes the
 * browser fetch something on its own.
 */
const components: Components = {
  pre: CodeBlock,
  a: ({ href, children }) => (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {children}
      <span className="visually-hidden"> (opens in a new tab)</span>
    </a>
  ),
  img: ({ src, alt }) =>
    typeof src === 'string' && src ? (
      <a href={src} target="_blank" rel="noopener noreferrer" className="md-image-link">
        {alt ? `Image: ${alt}` : 'Image'} <ExternalIcon />
      </a>
    ) : null,
  table: ({ children }) => (
    <div className="md-table">
      <table>{children}</table>
    </div>
  ),
};

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className="md">
      <ReactMarkdown remarkPlugins={[remarkGfm]} components={components} skipHtml>
        {text}
      </ReactMarkdown>
    </div>
  );
});

function CodeBlock({ children, node: _node, ...rest }: ComponentPropsWithoutRef<'pre'> & { node?: unknown }) {
  const ref = useRef<HTMLPreElement>(null);
  const [copied, setCopied] = useState<'yes' | 'failed' | undefined>();
  const language = languageOf(children);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(ref.current?.textContent ?? '');
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
    window.setTimeout(() => setCopied(undefined), 2000);
  };
  return (
    <div className="code-block">
      <div className="code-head">
        <span className="code-lang">{language ?? 'code'}</span>
        <button type="button" className="code-copy" onClick={() => void copy()} aria-label={copied === 'yes' ? 'Copied' : 'Copy code'}>
          {copied === 'yes' ? <CheckIcon /> : <CopyIcon />}
          <span aria-hidden="true">{copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Copy failed' : 'Copy'}</span>
        </button>
      </div>
      <pre ref={ref} {...rest}>
        {children}
      </pre>
    </div>
  );
}

function languageOf(children: unknown): string | undefined {
  const child = Array.isArray(children) ? children[0] : children;
  const className = (child as { props?: { className?: unknown } } | undefined)?.props?.className;
  const match = typeof className === 'string' ? /language-([\w+#.-]+)/.exec(className) : null;
  return match?.[1];
}
