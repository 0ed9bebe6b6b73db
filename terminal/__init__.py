"""Point-of-sale terminal: cashier POS and rep tablet; business logic never imports Kivy."""
