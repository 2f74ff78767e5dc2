/** Rich outputs other than charts: an HTML view with its plain-text (and optional PNG) forms. */
import type { MimeBundle } from './jupyter';

/** An HTML output, with the text shown where HTML is not. */
export class HtmlView {
  constructor(
    readonly html: string,
    readonly text: string,
    readonly png?: Uint8Array,
  ) {}

  /** Its MIME bundle. */
  toMimeBundle(): MimeBundle {
    const bundle: MimeBundle = { 'text/html': this.html, 'text/plain': this.text };
    if (this.png) bundle['image/png'] = Buffer.from(this.png).toString('base64');
    return bundle;
  }
}

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
