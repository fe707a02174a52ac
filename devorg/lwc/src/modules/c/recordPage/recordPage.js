import { LightningElement, api } from 'lwc';

/**
 * A record page: a highlights card (title slotted, the main phone), a tabset whose details tab
 * has fields rendered late and a phone value that is edited while the page is open (updated in
 * place, as Lightning Data Service pushes a change), and a custom card whose phones come
 * through its <slot>.
 */
export default class RecordPage extends LightningElement {
  @api record;
  updatedValue;
  timer;

  connectedCallback() {
    this.updatedValue = this.record.updated.from;
    this.timer = setTimeout(() => {
      this.updatedValue = this.record.updated.to;
    }, this.record.updated.afterMs);
  }

  disconnectedCallback() {
    clearTimeout(this.timer);
  }
}
