// A worker thread whose module fails to load (as a syntax error in the sources would).
throw new TypeError('cannot load the sources');
