import { LightningElement, api } from 'lwc';

/** A list view: lightning-datatable with `phone` columns, keyed by record id. */
export default class ListView extends LightningElement {
  @api list;

  get columns() {
    return this.list.columns.map((c) => ({ label: c.label, fieldName: c.fieldName, type: c.type }));
  }
}
