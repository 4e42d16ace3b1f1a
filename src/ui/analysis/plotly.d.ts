// plotly.js-basic-dist-min is the prebuilt bar/scatter/pie bundle of plotly.js; its API is plotly.js's.
declare module 'plotly.js-basic-dist-min' {
  import Plotly from 'plotly.js';
  export default Plotly;
}
