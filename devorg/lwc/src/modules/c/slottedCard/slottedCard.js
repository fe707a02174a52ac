import { LightningElement, api } from 'lwc';

/** A custom card whose phone fields are the page's, passed in through a named <slot>. */
export default class SlottedCard extends LightningElement {
  @api title;
}
