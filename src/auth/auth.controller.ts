import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { ApiErrors } from '../openapi/api-errors';
import { AuthService, LOGIN_ERRORS } from './auth.service';
import { LoginDto, LoginResponseDto, VerifyResponseDto } from './dto/login.dto';
import { AdminOnly, type AuthenticatedRequest } from './jwt-auth.guard';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @HttpCode(200)
  @UseGuards(ThrottlerGuard)
  @ApiOperation({
    summary: 'Exchange an admin key for a JWT',
    description:
      'Send the key as `apiKey` (or `key`, the older form). The answer\'s `token` goes in "Authorize" ' +
      '(Swagger UI) or in `Authorization: Bearer <token>` (bots); it expires after `expiresIn`. ' +
      'Attempts are rate limited per client address (LOGIN_RATE_LIMIT per LOGIN_RATE_WINDOW_SECONDS).',
  })
  @ApiBody({ type: LoginDto, description: 'The admin key.' })
  @ApiOkResponse({
    type: LoginResponseDto,
    description: 'The key is right: a token for its admin.',
  })
  @ApiErrors({
    400: { description: 'No key in the body', examples: { noKey: LOGIN_ERRORS.noKey } },
    401: { description: 'No admin has this key', examples: { wrongKey: LOGIN_ERRORS.wrongKey } },
    429: {
      description: 'Too many attempts from this address; the Retry-After header says for how long',
      examples: { tooMany: LOGIN_ERRORS.tooMany },
    },
  })
  login(@Body() body: LoginDto): LoginResponseDto {
    return this.auth.login(body.apiKey ?? body.key);
  }

  @Post('verify')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    summary: 'Check a token and show its claims',
    description:
      'Answers 200 with the claims while the token is valid, 401 once it is not: a cheap way for a ' +
      'bot to know when to log in again.',
  })
  @ApiOkResponse({ type: VerifyResponseDto, description: 'The token is valid.' })
  verify(@Req() request: AuthenticatedRequest): VerifyResponseDto {
    return { valid: true, user: request.admin! };
  }
}
