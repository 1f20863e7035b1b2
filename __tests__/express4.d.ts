// Express 4 is installed beside Express 5 as the `express4` alias; it shares Express 5's typings here.
declare module 'express4' {
  import express = require('express')
  export = express
}
