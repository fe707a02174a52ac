import { LightningElement, api } from 'lwc';

/** The page devorg asked for: a record page or a list view, from the JSON it embedded. */
export default class App extends LightningElement {
  @api data;

  get isRecord() {
    return this.data?.kind === 'record';
  }

  get isList() {
    return this.data?.kind === 'list';
  }
}
