import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { ErrorResponseDto } from '../common/error-body';
import { AuthService } from './auth.service';
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
      'Send the key as `apiKey` or `key` (both accepted). Rate limited per client address.',
  })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'No key in the body' })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Wrong key' })
  @ApiTooManyRequestsResponse({
    type: ErrorResponseDto,
    description: 'Too many attempts; see Retry-After',
  })
  login(@Body() body: LoginDto): LoginResponseDto {
    return this.auth.login(body.apiKey ?? body.key);
  }

  @Post('verify')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({ summary: 'Check a token and show its claims' })
  @ApiOkResponse({ type: VerifyResponseDto })
  verify(@Req() request: AuthenticatedRequest): VerifyResponseDto {
    return { valid: true, user: request.admin! };
  }
}
