import { LightningElement, api } from 'lwc';

/** A labelled phone field that renders only after `afterMs` (a layout loading late). */
export default class LateField extends LightningElement {
  @api label;
  @api value;
  @api afterMs = 0;
  shown = false;
  timer;

  connectedCallback() {
    this.timer = setTimeout(() => {
      this.shown = true;
    }, this.afterMs);
  }

  disconnectedCallback() {
    clearTimeout(this.timer);
  }
}
